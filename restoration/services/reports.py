"""Field damage reports (*signalements*, the operators' *Signal Réseaux* way): filing, grouping of
nearby reports, and their triage by the crisis cell into one trouble ticket (damaged assets taken
from the nearest network elements) or a dismissal with a reason. Every step is audited.

Who may file: a write role (crisis manager, operator agent, admin) of the network's owner or
operator, anywhere on the network; an elected official only inside their own commune (the point
must lie in the commune's boundary and the network must serve the commune), else `ReportRefused`
with status 403. Who may triage: a write role of the network's owner or operator.
"""
from __future__ import annotations

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditEvent
from network.models import Commune, LayingMode, Network, Premises, RouteSegment, Site, SiteType, SupportPoint, SupportType
from organisations.models import Organisation, OrganisationKind
from organisations.models.membership import WRITE_ROLES, Role
from webhooks.services.outbox import emit

from ..models import DamageReport, DamageReportKind, DamageReportStatus

GROUP_RADIUS_M = 150.0  # reports closer than this to an untriaged report join its group
NEAREST_RADIUS_M = 250.0  # how far from the report a network element is looked for


class ReportRefused(Exception):
    def __init__(self, errors: list[dict], status: int = 400):
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in errors))
        self.errors = errors
        self.status = status


def _refuse(path, reason, status=400):
    return ReportRefused([{"path": path, "reason": str(reason)}], status)


def parse_point(value, path="location"):
    """A GeoJSON Point in WGS84 → Point in Lambert-93."""
    if not isinstance(value, dict) or value.get("type") != "Point":
        raise _refuse(path, _("Point GeoJSON attendu"))
    coords = value.get("coordinates")
    if (not isinstance(coords, (list, tuple)) or len(coords) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])):
        raise _refuse(f"{path}.coordinates", _("[longitude, latitude] attendu"))
    lon, lat = coords[:2]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _refuse(f"{path}.coordinates", _("longitude ou latitude hors limites"))
    try:
        point = GEOSGeometry(f"SRID=4326;POINT({lon} {lat})")
        point.transform(2154)
    except (GEOSException, ValueError):
        raise _refuse(path, _("position illisible")) from None
    return point


def writer_organisation(principal, network) -> Organisation | None:
    """The owner or operator organisation in which the principal holds a write role."""
    if principal.is_superuser:
        return network.operator or network.owner
    for org_id in (network.operator_id, network.owner_id):
        if org_id and principal.role_in(org_id) in WRITE_ROLES:
            return Organisation.objects.get(pk=org_id)
    return None


def _elected_commune_orgs(principal):
    ids = [o for o, r in principal.roles.items() if r == Role.ELECTED_OFFICIAL]
    return list(Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.COMMUNE).exclude(insee_code=""))


def reporter_organisation(principal, network, point):
    """(organisation the report is filed for, commune of the point) or ReportRefused(403)."""
    commune = Commune.objects.filter(geom__intersects=point).order_by("insee").first()
    writer = writer_organisation(principal, network)
    if writer is not None:
        return writer, commune
    communes = _elected_commune_orgs(principal)
    if not communes:
        raise _refuse("network", _("votre rôle ne permet pas de signaler un dommage sur ce réseau"), 403)
    own = [o for o in communes if commune is not None and o.insee_code == commune.insee]
    if not own:
        raise _refuse("location", _("un élu ne signale que dans sa commune"), 403)
    if not Premises.objects.filter(network=network, commune_id=commune.insee).exists():
        raise _refuse("network", _("ce réseau ne dessert pas votre commune"), 403)
    return own[0], commune


def network_for_report(principal, slug) -> Network:
    """The named network, if the principal may report on it (its owner/operator, or an elected
    official of a commune it serves); unknown otherwise (no hint that a hidden network exists)."""
    network = Network.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if network is None:
        raise _refuse("network", _("réseau inconnu"))
    visible = Network.objects.restrict(principal).filter(pk=network.pk).exists()
    if not visible:
        insees = [o.insee_code for o in _elected_commune_orgs(principal)]
        if not insees or not Premises.objects.filter(network=network, commune_id__in=insees).exists():
            raise _refuse("network", _("réseau inconnu"))
    return network


def report_snapshot(report: DamageReport) -> dict:
    loc = report.location.transform(4326, clone=True)
    return {"network": report.network.slug, "kind": report.kind, "location": [round(loc.x, 6), round(loc.y, 6)],
            "commune": report.commune_id, "comment": report.comment, "photo": report.photo.name or "",
            "status": report.status, "group": report.group_id, "ticket": report.ticket_id,
            "dismissed_reason": report.dismissed_reason, "reported_at": report.reported_at.isoformat()}


@transaction.atomic
def file_report(principal, network, kind, point, comment="", *, photo=None, photo_mime_type="", reported_at=None) -> DamageReport:
    """Store a report (after the checks above), put it in the group of an untriaged report nearby, audit it."""
    if kind not in DamageReportKind.values:
        raise _refuse("kind", _("nature inconnue ; valeurs : %(v)s") % {"v": ", ".join(DamageReportKind.values)})
    organisation, commune = reporter_organisation(principal, network, point)
    user = principal.user if getattr(principal.user, "pk", None) else None
    report = DamageReport(network=network, kind=kind, location=point, commune=commune, comment=str(comment or "")[:5000],
                          reported_by=user, organisation=organisation, reported_at=reported_at or timezone.now(),
                          photo_mime_type=photo_mime_type if photo is not None else "")
    if photo is not None:
        import uuid

        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo_mime_type]
        report.photo.save(f"{uuid.uuid4().hex}.{extension}", photo, save=False)
    report.save()
    head = (DamageReport.objects.filter(network=network, status=DamageReportStatus.NEW,
                                        location__dwithin=(point, GROUP_RADIUS_M))
            .exclude(pk=report.pk).order_by("reported_at", "pk").first())
    report.group_id = (head.group_id or head.pk) if head is not None else report.pk
    report.save(update_fields=["group"])
    record(report, AuditEvent.Action.CREATE, actor=user, organisation=organisation, after=report_snapshot(report))
    _emit("damage_report.created", report)
    return report


def _emit(event_type: str, report: DamageReport):
    """Outbox event for the network's owner and operator (in the change's transaction)."""
    emit(event_type, {"damageReport": {"id": report.pk, **report_snapshot(report)}},
         organisations=[o for o in (report.network.owner_id, report.network.operator_id) if o],
         subject=f"damageReport:{report.pk}")


def nearest_asset(report: DamageReport) -> dict | None:
    """The network element nearest to the report that its kind designates, as a TMF relatedEntity."""
    p = report.location
    if report.kind in (DamageReportKind.POLE_DOWN, DamageReportKind.CHAMBER_FLOODED):
        stype = SupportType.POLE if report.kind == DamageReportKind.POLE_DOWN else SupportType.CHAMBER
        qs, referred = SupportPoint.objects.filter(support_type=stype), "SupportPoint"
    elif report.kind == DamageReportKind.CABLE_DOWN:
        qs = RouteSegment.objects.filter(laying_mode__in=[LayingMode.AERIAL_TELECOM, LayingMode.AERIAL_POWER, LayingMode.FACADE])
        referred = "RouteSegment"
    else:
        qs = Site.objects.filter(site_type__in=[SiteType.SRO, SiteType.SROL, SiteType.NRO])
        referred = "Site"
    obj = (qs.filter(network=report.network, geom__dwithin=(p, NEAREST_RADIUS_M))
           .annotate(d=Distance("geom", p)).order_by("d").first())
    if obj is None:
        return None
    return {"id": obj.code, "@referredType": referred, "role": "damaged"}


def group_of(report: DamageReport):
    return DamageReport.objects.filter(group_id=report.group_id or report.pk, network=report.network_id)


def _triager(principal, report):
    organisation = writer_organisation(principal, report.network)
    if organisation is None:
        raise _refuse("", _("seule la cellule de crise du réseau trie les signalements"), 403)
    return organisation


@transaction.atomic
def triage_to_ticket(principal, report: DamageReport, *, base_url="", severity="major"):
    """One ticket for the untriaged reports of the group, damaged assets pre-filled from the nearest
    elements (those found), the reports marked `ticketed` and linked to it."""
    from incidents.models import TicketType
    from incidents.services.tickets import Actor, create_ticket

    organisation = _triager(principal, report)
    reports = list(group_of(report).select_for_update().filter(status=DamageReportStatus.NEW).order_by("reported_at", "pk"))
    if not reports:
        raise _refuse("status", _("signalement déjà trié"), 409)
    entities, seen = [], set()
    for r in reports:
        entity = nearest_asset(r)
        if entity and (entity["@referredType"], entity["id"]) not in seen:
            seen.add((entity["@referredType"], entity["id"]))
            entities.append(entity)
    kinds = sorted({str(DamageReportKind(r.kind).label) for r in reports})
    communes = sorted({r.commune.name for r in reports if r.commune_id})
    description = _("Signalements terrain (%(n)d) : %(kinds)s — %(communes)s") % {
        "n": len(reports), "kinds": ", ".join(kinds), "communes": ", ".join(communes) or "?"}
    notes = [{"text": r.comment} for r in reports if r.comment]
    user = principal.user if getattr(principal.user, "pk", None) else None
    actor = Actor(user=user, organisation=organisation, base_url=base_url,
                  name=getattr(user, "get_username", lambda: "")())
    ticket = create_ticket(report.network, {"description": description, "severity": severity,
                                            "ticket_type": TicketType.INCIDENT, "name": str(kinds[0])[:200]},
                           entities, notes, actor)
    now = timezone.now()
    for r in reports:
        before = report_snapshot(r)
        r.status, r.ticket, r.triaged_by, r.triaged_at = DamageReportStatus.TICKETED, ticket, user, now
        r.save(update_fields=["status", "ticket", "triaged_by", "triaged_at"])
        record(r, AuditEvent.Action.UPDATE, actor=user, organisation=organisation, before=before, after=report_snapshot(r))
        _emit("damage_report.triaged", r)
    return ticket


@transaction.atomic
def dismiss(principal, report: DamageReport, reason: str) -> DamageReport:
    organisation = _triager(principal, report)
    reason = str(reason or "").strip()
    if not reason:
        raise _refuse("reason", _("un motif est obligatoire pour écarter un signalement"))
    report = DamageReport.objects.select_for_update().get(pk=report.pk)
    if report.status != DamageReportStatus.NEW:
        raise _refuse("status", _("signalement déjà trié"), 409)
    before = report_snapshot(report)
    user = principal.user if getattr(principal.user, "pk", None) else None
    report.status, report.dismissed_reason = DamageReportStatus.DISMISSED, reason[:2000]
    report.triaged_by, report.triaged_at = user, timezone.now()
    report.save(update_fields=["status", "dismissed_reason", "triaged_by", "triaged_at"])
    record(report, AuditEvent.Action.UPDATE, actor=user, organisation=organisation, before=before, after=report_snapshot(report))
    _emit("damage_report.triaged", report)
    return report


def damage_report_summary(crisis, at) -> dict | None:
    """Field damage reports on the crisis's networks since it opened, up to `at`, for the situation
    report (reporting.services.providers): totals by kind and commune; None when there is none."""
    reports = DamageReport.objects.filter(network__in=crisis.networks.all(), reported_at__gte=crisis.opened_at,
                                          reported_at__lte=at)
    by_kind, by_commune, total = {}, {}, 0
    for kind, commune, n in reports.values_list("kind", "commune_id").annotate(n=Count("pk")).order_by():
        total += n
        by_kind[kind] = by_kind.get(kind, 0) + n
        if commune:
            by_commune[commune] = by_commune.get(commune, 0) + n
    if not total:
        return None
    return {"total": total, "by_kind": by_kind, "by_commune": by_commune}
