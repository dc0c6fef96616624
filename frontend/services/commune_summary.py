"""The commune summary for elected officials (*synthèse communale*): aggregates only.

An elected official sees the figures of their own commune (their organisation's INSEE code);
a syndicate or operator sees the communes its networks serve. Nothing operator-confidential
leaves this module: counts, totals, critical sites by category and state, no asset codes.
"""
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Sum

from network.models import Commune, Network, Premises
from network.models.premises import CriticalCategory
from organisations.models import Organisation, OrganisationKind
from incidents.models import TroubleTicket
from resilience.models import Alert, ExposureRun
from resilience.models.exposure import ExposureStatus
from reporting.services.crisis_figures import cut_figures, exposure_by_commune


@dataclass
class CriticalSiteState:
    category: str
    label: str
    address: str
    state: str  # "ok", "exposed", "cut"


@dataclass
class CommuneSummary:
    commune: Commune
    premises: int = 0
    households: int = 0
    businesses: int = 0
    exposed_premises: int = 0
    cut_premises: int = 0
    open_incidents: int = 0
    expected_restoration: object = None
    restoration_eta: dict | None = None  # {"eta_p50", "eta_p90", "crisis_name", ...} from the restoration planner
    critical_sites: list = field(default_factory=list)
    networks: list = field(default_factory=list)


def critical_by_category(sites: list) -> list[dict]:
    """Critical sites counted per category and state, for the one-page PDF (a town has dozens)."""
    rows: dict = {}
    for site in sites:
        row = rows.setdefault(site.category, {"label": site.label, "total": 0, "ok": 0, "exposed": 0, "cut": 0})
        row["total"] += 1
        row[site.state] += 1
    return list(rows.values())


def commune_networks(principal, commune: Commune):
    """Networks whose figures this principal may see for the commune (None if not allowed at all)."""
    serving = Network.objects.filter(pk__in=Premises.objects.filter(commune=commune).values("network"))
    if principal is None:
        return None
    if principal.is_superuser:
        return serving

    own_commune = Organisation.objects.filter(
        pk__in=principal.organisation_ids, kind=OrganisationKind.COMMUNE, insee_code=commune.insee
    ).exists()
    if own_commune:
        return serving
    scoped = serving.filter(Q(owner_id__in=principal.organisation_ids) | Q(operator_id__in=principal.organisation_ids))
    return scoped if scoped.exists() else None


def build_summary(commune: Commune, networks) -> CommuneSummary:
    """Figures of the commune on the given networks: premises served, exposed to the active alerts
    (their current exposure runs), cut by the open tickets (impact engine), open incidents touching
    the commune and the latest expected restoration, critical sites with their state."""
    premises = Premises.objects.filter(commune=commune, network__in=networks)
    totals = premises.aggregate(n=Count("id"), h=Sum("housing_units"), b=Sum("business_units"))
    summary = CommuneSummary(
        commune=commune, premises=totals["n"] or 0, households=totals["h"] or 0, businesses=totals["b"] or 0,
        networks=list(networks.values_list("name", flat=True)),
    )
    exposed = exposure_by_commune(ExposureRun.objects.filter(network__in=networks))
    summary.exposed_premises = exposed.get(commune.insee, {}).get("premises", 0)
    cut = cut_figures(TroubleTicket.objects.filter(network__in=networks))
    summary.cut_premises = cut.by_commune.get(commune.insee, {}).get("premises", 0)
    summary.open_incidents = len(cut.tickets_by_commune.get(commune.insee, ()))
    summary.expected_restoration = cut.restoration_by_commune.get(commune.insee)
    summary.restoration_eta = _restoration_eta(commune.insee, networks)
    labels = dict(CriticalCategory.choices)
    # a critical site is exposed when it lies in the area of an active alert with a current exposure run on its network
    in_alert = ExposureRun.objects.filter(
        status=ExposureStatus.CURRENT, network=OuterRef("network"), alert__in=Alert.objects.active().values("pk"),
        alert__area__intersects=OuterRef("geom"))
    rows = (premises.exclude(critical_category="").annotate(exposed=Exists(in_alert))
            .values_list("pk", "critical_category", "address", "exposed").order_by("critical_category", "address"))
    for pk, category, address, is_exposed in rows:
        state = "cut" if pk in cut.critical_premises_ids else ("exposed" if is_exposed else "ok")
        summary.critical_sites.append(CriticalSiteState(category, str(labels.get(category, category)), address, state))
    return summary


def _restoration_eta(insee: str, networks) -> dict | None:
    """The planner's ETA for the commune in the open crisis cutting it (restoration/services/plan.py).
    A failing forecast must not take the summary down: logged, and the row shows "—"."""
    import logging

    from restoration.services.plan import commune_eta

    try:
        return commune_eta(insee, networks)
    except Exception:  # noqa: BLE001 - the summary's other figures stand on their own
        logging.getLogger(__name__).exception("restoration ETA failed", extra={"insee": insee})
        return None
