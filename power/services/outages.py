"""Grid power outages as an input (*coupures d'électricité*): API body, CSV upload, feed answer.

Every payload is stored raw first (OutageRaw, committed at once, kept when refused), then parsed
into one or more outage records and applied in one transaction:

- a record names communes (INSEE codes) or a GeoJSON Polygon/MultiPolygon (EPSG:4326), a `start`,
  an optional `expected_end`, `ended_at`, `source` and `reference`;
- with a reference, (network, source, reference) is the outage's identity: the same reference again
  updates it (area, times) or ends it (`ended_at`, or `"status": "ended"`);
- after commit, the network's sites are re-checked (power.tasks.check_network) so the
  `power.site_on_battery` events leave without waiting for the beat.

Refusals raise OutageError with the API error list ({"path", "reason"}).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass

from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditEvent
from network.models import Commune, Network

from ..models import OutageRaw, OutageRawOutcome, PowerOutage

MAX_PAYLOAD_BYTES = 5 * 1024 * 1024


class OutageError(ValueError):
    def __init__(self, errors: list[dict], status: int = 400):
        self.errors = errors
        self.status = status
        self.raw = None
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in errors))


@dataclass
class OutageRecord:
    """One parsed outage, ready to apply."""

    communes: list
    area: MultiPolygon
    start: object
    expected_end: object
    ended_at: object
    source: str
    reference: str


def store_raw(payload: bytes, channel: str, *, content_type="", origin="", organisation=None) -> OutageRaw:
    """Keep the payload before anything else (autocommit: it survives a refused parse)."""
    return OutageRaw.objects.create(channel=channel, payload=payload[:MAX_PAYLOAD_BYTES],
                                    sha256=hashlib.sha256(payload).hexdigest(), content_type=content_type[:100],
                                    origin=origin[:500], submitted_by=organisation)


def reject(raw: OutageRaw, error: OutageError) -> OutageError:
    OutageRaw.objects.filter(pk=raw.pk).update(outcome=OutageRawOutcome.REJECTED, error=error.errors)
    error.raw = raw
    return error


def _time(value, path, errors, *, required=False):
    if value in (None, ""):
        if required:
            errors.append({"path": path, "reason": _("date et heure obligatoires (ISO 8601)")})
        return None
    parsed = parse_datetime(str(value).strip()) if isinstance(value, str) else None
    if parsed is None:
        errors.append({"path": path, "reason": _("date et heure ISO 8601 attendues, reçu %(v)r") % {"v": value}})
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())  # a CSV typed in Paris time
    return parsed


def parse_record(data, path: str = "", *, default_source: str = "") -> OutageRecord:
    """One outage record from a dict (API body, CSV row, feed item). Raises OutageError."""
    prefix = f"{path}." if path else ""
    if not isinstance(data, dict):
        raise OutageError([{"path": path, "reason": _("objet JSON attendu")}])
    errors: list[dict] = []
    communes, area = [], None
    insees = data.get("communes")
    geometry = data.get("geometry")
    if insees and geometry:
        errors.append({"path": f"{prefix}communes", "reason": _("donnez des communes ou une géométrie, pas les deux")})
    elif insees:
        if isinstance(insees, str):
            insees = [c for c in re.split(r"[\s,;|]+", insees) if c]
        if not isinstance(insees, list) or not all(isinstance(c, str) for c in insees):
            errors.append({"path": f"{prefix}communes", "reason": _("liste de codes INSEE attendue")})
        else:
            communes = list(Commune.objects.filter(insee__in=insees))
            unknown = sorted(set(insees) - {c.insee for c in communes})
            for code in unknown:
                errors.append({"path": f"{prefix}communes.{insees.index(code)}",
                               "reason": _("commune inconnue : %(c)s") % {"c": code}})
            if communes and not unknown:
                union = Commune.objects.filter(insee__in=insees).aggregate(u=Union("geom"))["u"]
                area = union if isinstance(union, MultiPolygon) else MultiPolygon(union, srid=2154)
    elif geometry:
        try:
            geom = GEOSGeometry(json.dumps(geometry) if not isinstance(geometry, str) else geometry)
            if geom.srid is None:
                geom.srid = 4326
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise GEOSException(_("Polygon ou MultiPolygon attendu, reçu %(t)s") % {"t": geom.geom_type})
            if not geom.valid:
                raise GEOSException(_("géométrie invalide : %(r)s") % {"r": geom.valid_reason})
            geom.transform(2154)
            area = geom if geom.geom_type == "MultiPolygon" else MultiPolygon(geom, srid=2154)
        except (GEOSException, ValueError, TypeError) as exc:
            errors.append({"path": f"{prefix}geometry", "reason": str(exc) or _("GeoJSON illisible")})
    else:
        errors.append({"path": f"{prefix}communes", "reason": _("communes (codes INSEE) ou geometry obligatoire")})
    start = _time(data.get("start"), f"{prefix}start", errors, required=True)
    expected_end = _time(data.get("expected_end"), f"{prefix}expected_end", errors)
    ended_at = _time(data.get("ended_at"), f"{prefix}ended_at", errors)
    status = str(data.get("status") or "").lower()
    if status in ("ended", "terminee", "terminée", "closed") and ended_at is None:
        ended_at = timezone.now()
    if start and expected_end and expected_end < start:
        errors.append({"path": f"{prefix}expected_end", "reason": _("la fin prévue précède le début")})
    source = str(data.get("source") or default_source)[:100]
    reference = str(data.get("reference") or data.get("id") or "")[:200]
    if errors:
        raise OutageError(errors)
    return OutageRecord(communes, area, start, expected_end, ended_at, source, reference)


def apply_record(network: Network, rec: OutageRecord, *, raw=None, organisation=None, actor=None) -> PowerOutage:
    """Create or update (by reference) one outage; audited. Call inside a transaction."""
    outage = None
    if rec.reference:
        outage = (PowerOutage.objects.select_for_update()
                  .filter(network=network, source=rec.source, reference=rec.reference).first())
    action = AuditEvent.Action.UPDATE if outage else AuditEvent.Action.CREATE
    before = None
    if outage is None:
        outage = PowerOutage(network=network, source=rec.source, reference=rec.reference, organisation=organisation)
    else:
        from core.audit import snapshot

        before = snapshot(outage, ["start", "expected_end", "ended_at"])
    outage.area, outage.start, outage.expected_end = rec.area, rec.start, rec.expected_end
    outage.ended_at = rec.ended_at or outage.ended_at
    outage.raw = raw or outage.raw
    outage.save()
    outage.communes.set(rec.communes)
    record(outage, action, actor=actor, organisation=organisation, before=before,
           after={"start": outage.start.isoformat(), "expected_end": outage.expected_end and outage.expected_end.isoformat(),
                  "ended_at": outage.ended_at and outage.ended_at.isoformat(),
                  "communes": [c.insee for c in rec.communes], "source": outage.source, "reference": outage.reference})
    return outage


def end_outage(outage: PowerOutage, *, at=None, actor=None, organisation=None) -> PowerOutage:
    """The grid is back: the outage ends (its sites go back on grid)."""
    with transaction.atomic():
        before = {"ended_at": outage.ended_at and outage.ended_at.isoformat()}
        outage.ended_at = at or timezone.now()
        outage.save(update_fields=["ended_at", "updated_at"])
        record(outage, AuditEvent.Action.UPDATE, actor=actor, organisation=organisation, before=before,
               after={"ended_at": outage.ended_at.isoformat()})
        schedule_check(outage.network_id)
    return outage


def schedule_check(network_id: int) -> None:
    from ..tasks import check_network

    transaction.on_commit(lambda: check_network.delay(network_id))


def _ingest(payload: bytes, channel: str, network: Network, records_of, *, content_type="", origin="",
            organisation=None, actor=None, end_missing_source: str | None = None, raw=None) -> list[PowerOutage]:
    raw = raw or store_raw(payload, channel, content_type=content_type, origin=origin, organisation=organisation)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise reject(raw, OutageError([{"path": "", "reason": _("message trop volumineux")}], status=413))
    previous = (OutageRaw.objects.filter(sha256=raw.sha256, channel=channel, origin=raw.origin,
                                         outcome=OutageRawOutcome.ACCEPTED).exclude(pk=raw.pk).first())
    if previous is not None:
        OutageRaw.objects.filter(pk=raw.pk).update(outcome=OutageRawOutcome.DUPLICATE)
        return list(previous.outages.all())
    try:
        records = records_of(payload)
        with transaction.atomic():
            outages = [apply_record(network, rec, raw=raw, organisation=organisation, actor=actor) for rec in records]
            if end_missing_source is not None:
                seen = {o.pk for o in outages}
                for gone in (PowerOutage.objects.filter(network=network, source=end_missing_source, ended_at__isnull=True)
                             .exclude(reference="").exclude(pk__in=seen)):
                    gone.ended_at = timezone.now()
                    gone.save(update_fields=["ended_at", "updated_at"])
                    record(gone, AuditEvent.Action.UPDATE, actor=actor, organisation=organisation,
                           after={"ended_at": gone.ended_at.isoformat(), "reason": "absent from the feed"})
            OutageRaw.objects.filter(pk=raw.pk).update(outcome=OutageRawOutcome.ACCEPTED)
            schedule_check(network.pk)
    except OutageError as error:
        raise reject(raw, error)
    return outages


def ingest_json(payload: bytes, network: Network, *, organisation=None, actor=None, channel="api", origin="api",
                default_source="", raw=None) -> list[PowerOutage]:
    """One outage (a JSON object) or several (a list, `{"outages": [...]}` or a GeoJSON FeatureCollection)."""

    def records_of(body: bytes):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OutageError([{"path": "", "reason": _("JSON illisible : %(e)s") % {"e": exc}}])
        return [parse_record(item, path, default_source=default_source) for path, item in feed_items(data)]

    return _ingest(payload, channel, network, records_of, content_type="application/json", origin=origin,
                   organisation=organisation, actor=actor, raw=raw)


def feed_items(data) -> list[tuple[str, dict]]:
    """(path, record) pairs of a JSON payload: an object, a list, {"outages": [...]}, a FeatureCollection."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        items = []
        for i, feature in enumerate(data.get("features") or []):
            props = dict((feature or {}).get("properties") or {})
            if not props.get("communes") and (feature or {}).get("geometry"):
                props["geometry"] = feature["geometry"]
            items.append((f"features.{i}", props))
        return items
    if isinstance(data, dict) and isinstance(data.get("outages"), list):
        return [(f"outages.{i}", item) for i, item in enumerate(data["outages"])]
    if isinstance(data, list):
        return [(str(i), item) for i, item in enumerate(data)]
    return [("", data)]


CSV_COLUMNS = ("communes", "start", "expected_end", "ended_at", "source", "reference")


def ingest_csv(payload: bytes, network: Network, *, organisation=None, actor=None, origin="csv") -> list[PowerOutage]:
    """A CSV of outages (columns of docs/power.md; `;` or `,` separated, UTF-8), all or nothing."""

    def records_of(body: bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OutageError([{"path": "", "reason": _("CSV en UTF-8 attendu")}])
        first = text.splitlines()[0] if text.strip() else ""
        reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first else ",")
        missing = {"communes", "start"} - set(reader.fieldnames or [])
        if missing:
            raise OutageError([{"path": "", "reason": _("colonnes manquantes : %(c)s") % {"c": ", ".join(sorted(missing))}}])
        records, errors = [], []
        for line, row in enumerate(reader, start=2):
            try:
                records.append(parse_record({k: (v or "").strip() for k, v in row.items() if k}, f"ligne {line}"))
            except OutageError as exc:
                errors.extend(exc.errors)
        if errors:
            raise OutageError(errors)
        if not records:
            raise OutageError([{"path": "", "reason": _("aucune ligne")}])
        return records

    return _ingest(payload, "csv", network, records_of, content_type="text/csv", origin=origin,
                   organisation=organisation, actor=actor)
