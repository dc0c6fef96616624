"""The ingestion pipeline shared by every alert format.

    raw = store_raw(payload, source)          # own transaction: kept whatever happens next
    with transaction.atomic():                # all or nothing
        parsed = parser(payload)              # -> [ParsedAlert], or IngestError naming path+reason
        alerts = apply(parsed)                # create / update / supersede / cancel / end, outbox events
    exposure tasks scheduled after commit

A refused message keeps its RawMessage with outcome `rejected` and the reasons; nothing of its
parse is stored. The same bytes twice (same source, sha256 of an accepted message) are a no-op.
"""
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.services.outbox import emit

from core.audit import record
from network.models import Commune, Departement

from ...models import Alert, Lifecycle, RawMessage, RawOutcome

logger = logging.getLogger(__name__)


class IngestError(Exception):
    """A refused payload: errors = [{"path", "reason"}], HTTP status 400 (413 when too large)."""

    def __init__(self, errors, status=400):
        if isinstance(errors, dict):
            errors = [errors]
        self.errors = [{"path": e.get("path", ""), "reason": str(e["reason"])} for e in errors]
        self.status = status
        self.raw_message = None
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in self.errors))


def refuse(path: str, reason, status=400) -> IngestError:
    return IngestError([{"path": path, "reason": reason}], status=status)


@dataclass
class ParsedAlert:
    """One alert as read from a payload, before it touches the database."""

    source: str
    sender: str
    identifier: str
    hazard: str = ""
    level: int = 0
    sent: datetime | None = None
    msg_type: str = "Alert"  # Alert, Update, Cancel, End (vigilance back to green)
    references: list = field(default_factory=list)  # [(sender, identifier, sent)]
    status: str = "actual"
    headline: str = ""
    description: str = ""
    language: str = ""
    event: str = ""
    onset: datetime | None = None
    expires: datetime | None = None
    area: MultiPolygon | None = None  # EPSG:2154
    area_description: str = ""
    departements: list = field(default_factory=list)
    communes: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    supersede_active: dict | None = None  # details lookup of the active alert this one replaces (vigilance)
    ended: datetime | None = None  # historic message whose validity has ended: stored ended at that time


@dataclass
class IngestResult:
    raw_message: RawMessage
    alerts: list
    duplicate: bool = False


def as_multipolygon(geom) -> MultiPolygon:
    """Any polygonal geometry (2154) as a valid MultiPolygon."""
    if geom is None or geom.empty:
        raise refuse("area", _("zone vide"))
    if not geom.valid:
        geom = geom.buffer(0)
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=geom.srid)
    if not isinstance(geom, MultiPolygon):
        polys = [g for g in (geom if hasattr(geom, "__iter__") else [geom]) if isinstance(g, (Polygon, MultiPolygon))]
        parts = []
        for g in polys:
            parts.extend(list(g) if isinstance(g, MultiPolygon) else [g])
        if not parts:
            raise refuse("area", _("la zone n'est pas surfacique"))
        geom = MultiPolygon(*parts, srid=geom.srid)
    return geom


def union_areas(geoms: list) -> MultiPolygon | None:
    geoms = [g for g in geoms if g is not None]
    if not geoms:
        return None
    out = geoms[0]
    for g in geoms[1:]:
        out = out.union(g)
    return as_multipolygon(out)


def departement_geoms(codes) -> list:
    return [GEOSGeometry(d.geom) for d in Departement.objects.filter(code__in=codes)]


def check_expiry(parsed: ParsedAlert, allow_expired: bool, now: datetime, path="expires"):
    if parsed.expires and parsed.expires <= now and not allow_expired and parsed.msg_type not in ("Cancel", "End"):
        raise refuse(path, _("alerte expirée (fin de validité %(expires)s)") % {"expires": parsed.expires.isoformat()})


def store_raw(payload: bytes, source: str, *, origin="", content_type="", organisation=None) -> RawMessage:
    """Keep the payload before anything else (committed at once, even inside a failing request)."""
    cap = settings.ALERTS_MAX_PAYLOAD_BYTES
    kept = payload if len(payload) <= cap else payload[:cap]
    return RawMessage.objects.create(
        source=source, payload=kept, sha256=hashlib.sha256(payload).hexdigest(), size=len(payload),
        origin=origin[:500], content_type=content_type[:100], submitted_by=organisation,
    )


def reject(raw: RawMessage, error: IngestError) -> None:
    RawMessage.objects.filter(pk=raw.pk).update(outcome=RawOutcome.REJECTED, error=error.errors)
    raw.outcome, raw.error = RawOutcome.REJECTED, error.errors
    error.raw_message = raw


def ingest(payload: bytes, source: str, parser, *, origin="", content_type="", organisation=None, network=None,
           allow_expired=None, now=None, historic=False) -> IngestResult:
    """Store, parse, apply. Raises IngestError (raw message kept, rejected) when refused.

    `historic`: a message whose validity has ended (exercise, after-action review, storm replay) is
    accepted and stored as an ended alert with its original times (`ended_at` = its expiry); it
    supersedes no live alert, ends none, and no exposure is computed for it unless asked
    (`compute_exposure`, `POST /api/v1/alerts/<id>/exposure/`). A historic message still valid is
    ingested as a live one."""
    if isinstance(payload, str):
        payload = payload.encode()
    now = now or timezone.now()
    if historic:
        allow_expired = True
    elif allow_expired is None:
        allow_expired = not settings.ALERTS_REFUSE_EXPIRED
    raw = store_raw(payload, source, origin=origin, content_type=content_type, organisation=organisation)
    if len(payload) > settings.ALERTS_MAX_PAYLOAD_BYTES:
        error = refuse("", _("message trop volumineux (%(size)d octets, maximum %(max)d)")
                       % {"size": len(payload), "max": settings.ALERTS_MAX_PAYLOAD_BYTES}, status=413)
        reject(raw, error)
        raise error
    first = (RawMessage.objects.filter(source=source, sha256=raw.sha256, outcome=RawOutcome.ACCEPTED)
             .exclude(pk=raw.pk).order_by("received_at").first())
    if first is not None and (organisation is None or first.submitted_by_id == getattr(organisation, "pk", None)):
        RawMessage.objects.filter(pk=raw.pk).update(outcome=RawOutcome.DUPLICATE, duplicate_of=first, payload=b"")
        raw.outcome = RawOutcome.DUPLICATE
        return IngestResult(raw, list(Alert.objects.filter(raw_message=first).order_by("pk")), duplicate=True)
    try:
        with transaction.atomic():
            parsed = parser(payload, now=now, allow_expired=allow_expired)
            if historic:
                parsed = as_historic(parsed, now)
            alerts = apply(parsed, raw, organisation=organisation, network=network)
            RawMessage.objects.filter(pk=raw.pk).update(outcome=RawOutcome.ACCEPTED)
            raw.outcome = RawOutcome.ACCEPTED
            ids = [a.pk for a in alerts] + list(Alert.objects.filter(superseded_by__in=alerts).values_list("pk", flat=True))
            transaction.on_commit(lambda: schedule_exposure(ids), robust=True)  # stored: never rejected after
    except IngestError as error:
        reject(raw, error)
        raise
    except Exception as exc:  # a parser bug must not lose the message: keep it, say so, re-raise
        logger.exception("alert ingestion crashed", extra={"raw_message": raw.pk})
        reject(raw, IngestError([{"path": "", "reason": f"internal error: {exc.__class__.__name__}"}]))
        raise
    return IngestResult(raw, alerts)


def as_historic(parsed_list: list[ParsedAlert], now) -> list[ParsedAlert]:
    """The parsed alerts of a historic message: those whose validity has ended are marked ended and
    lose any hold on live alerts (a replayed bulletin must not end today's vigilance)."""
    out = []
    for parsed in parsed_list:
        if parsed.msg_type == "End":
            continue  # "back to green" of a past bulletin: nothing live to end
        if parsed.expires is not None and parsed.expires <= now and parsed.msg_type != "Cancel":
            parsed.ended = parsed.expires
            parsed.supersede_active = None
            parsed.details = {**parsed.details, "historic": True}
        out.append(parsed)
    if not out:
        raise refuse("", _("message historique sans alerte : tous les phénomènes y sont au vert"))
    return out


def schedule_exposure(alert_ids):
    """After-commit hand-over of the exposure; never raises (a lost task is the sweeper's,
    services/exposure_sweep.py), so the stored alert is answered 2xx even with Redis down."""
    from core import enqueue

    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from ...tasks import compute_alert_exposure

    for alert_id in alert_ids:
        enqueue.send(compute_alert_exposure, (alert_id,))


# --- applying parsed alerts ----------------------------------------------------------------------

ALERT_FIELDS = ("hazard", "level", "sent", "msg_type", "status", "headline", "description", "language", "event",
                "onset", "expires", "area", "area_description", "details")


def event_payload(alert: Alert) -> dict:
    return {
        "alert": {
            "id": alert.pk, "source": alert.source, "sender": alert.sender, "identifier": alert.identifier,
            "hazard": alert.hazard, "level": alert.level, "status": alert.status, "lifecycle": alert.lifecycle,
            "onset": alert.onset.isoformat() if alert.onset else None,
            "expires": alert.expires.isoformat() if alert.expires else None,
            "superseded_by": alert.superseded_by_id,
            "departements": sorted(alert.departements.values_list("code", flat=True)),
        }
    }


def _emit(event_type: str, alert: Alert):
    """Every change of an alert goes out as an event and into the audit trail, in its transaction."""
    emit(event_type, event_payload(alert), organisations=alert.stakeholders(), subject=f"alert:{alert.pk}")
    record(alert, "create" if event_type == "alert.created" else "update", organisation=alert.organisation)


def end_alert(alert: Alert, lifecycle: str, superseded_by=None) -> Alert:
    alert.lifecycle = lifecycle
    alert.ended_at = timezone.now()
    if superseded_by is not None:
        alert.superseded_by = superseded_by
    alert.save(update_fields=["lifecycle", "ended_at", "superseded_by", "updated_at"])
    _emit("alert.updated" if lifecycle == Lifecycle.SUPERSEDED else "alert.cancelled", alert)
    return alert


def _referenced(parsed: ParsedAlert, organisation):
    found = []
    for sender, identifier, _sent in parsed.references:
        # an earlier message split per phenomenon is stored as identifier#hazard
        same = Q(identifier=identifier) | Q(identifier__startswith=f"{identifier}#")
        qs = Alert.objects.filter(same, sender=sender).exclude(source="manual") if organisation is None \
            else Alert.objects.filter(same, sender=sender, organisation=organisation)
        found.extend(a for a in qs.order_by("pk") if a not in found)
    return found


def apply(parsed_list: list[ParsedAlert], raw: RawMessage, *, organisation=None, network=None) -> list[Alert]:
    out = []
    for parsed in parsed_list:
        alert = apply_one(parsed, raw, organisation=organisation, network=network)
        if alert is not None and alert not in out:
            out.append(alert)
    updates = [p for p in parsed_list if p.msg_type == "Update" and p.references]
    if updates and out:  # referenced alerts of a phenomenon the Update no longer names end too
        for old in _referenced(updates[0], organisation):
            old.refresh_from_db(fields=["lifecycle"])
            if old.lifecycle == Lifecycle.ACTIVE and old not in out:
                end_alert(old, Lifecycle.SUPERSEDED, superseded_by=out[0])
    return out


def apply_one(parsed: ParsedAlert, raw: RawMessage, *, organisation=None, network=None) -> Alert:
    if parsed.msg_type == "Cancel":
        targets = _referenced(parsed, organisation)
        if not targets:
            raise refuse("references", _("aucune alerte connue parmi les références %(refs)s")
                         % {"refs": " ".join(",".join(r) for r in parsed.references)})
        for alert in targets:
            if alert.lifecycle == Lifecycle.ACTIVE:
                end_alert(alert, Lifecycle.CANCELLED)
        return targets[-1]
    if parsed.msg_type == "End":  # vigilance back to green: end the active alert, if any
        active = Alert.objects.filter(source=parsed.source, lifecycle=Lifecycle.ACTIVE, **{
            f"details__{k}": v for k, v in (parsed.supersede_active or {}).items()}).first()
        if active is not None:
            return end_alert(active, Lifecycle.ENDED)
        return None

    values = {f: getattr(parsed, f) for f in ALERT_FIELDS}
    existing = Alert.objects.filter(source=parsed.source, sender=parsed.sender, identifier=parsed.identifier).first()
    if existing is not None and existing.organisation_id != getattr(organisation, "pk", None):
        if existing.organisation_id is None:
            return existing  # a public alert pushed again by an organisation: the same public information
        raise refuse("identifier", _("identifiant déjà utilisé par un autre émetteur"))
    if existing is not None:  # the same alert again: update in place
        same_area = (existing.area is None and parsed.area is None) or (
            existing.area is not None and parsed.area is not None and existing.area.equals_exact(parsed.area, 0.01))
        changed = any(getattr(existing, f) != v for f, v in values.items() if f != "area") or not same_area
        if changed:
            for f, v in values.items():
                setattr(existing, f, v)
            if parsed.ended:
                existing.lifecycle, existing.ended_at = Lifecycle.ENDED, parsed.ended
            existing.raw_message = raw
            existing.save()
            _set_names(existing, parsed)
            _emit("alert.updated", existing)
        return existing
    alert = Alert.objects.create(
        source=parsed.source, sender=parsed.sender, identifier=parsed.identifier, raw_message=raw,
        organisation=organisation, network=network, **values,
        **({"lifecycle": Lifecycle.ENDED, "ended_at": parsed.ended} if parsed.ended else {}),
    )
    _set_names(alert, parsed)
    previous = [a for a in _referenced(parsed, organisation) if a.hazard == parsed.hazard] \
        if parsed.msg_type == "Update" else []
    if parsed.supersede_active:
        previous += list(Alert.objects.filter(source=parsed.source, lifecycle=Lifecycle.ACTIVE, **{
            f"details__{k}": v for k, v in parsed.supersede_active.items()}).exclude(pk=alert.pk))
    _emit("alert.created", alert)
    for old in previous:
        if old.lifecycle == Lifecycle.ACTIVE:
            end_alert(old, Lifecycle.SUPERSEDED, superseded_by=alert)
    return alert


def _set_names(alert: Alert, parsed: ParsedAlert):
    """The départements and communes the alert names, or else those its area covers."""
    deps = set(parsed.departements)
    if not deps and alert.area is not None:
        deps = set(Departement.objects.filter(geom__intersects=alert.area).values_list("code", flat=True))
    alert.departements.set(deps)
    alert.communes.set(Commune.objects.filter(insee__in=parsed.communes) if parsed.communes else [])
