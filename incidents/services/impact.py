"""The impact of a ticket's damaged assets (premises and critical sites cut, per commune), computed
by the impact engine (`resilience.services.impact`) on the network's service graph and stored
with the ticket, so lists and summaries read it without recomputing."""
from resilience.services.impact import impact, impact_as_json

from ..models import DamagedAsset


def impact_arguments(ticket) -> dict:
    """The damaged assets of a ticket as the engine's keyword arguments (lists of codes per type).

    Cables are given by their route segments (a cable cut is a cut of each segment it runs over);
    enclosures by their support point.
    """
    segments, supports, sites = set(), set(), set()
    for asset in ticket.damaged_assets.select_related("segment", "support", "site", "enclosure__support", "cable"):
        if asset.referred_type == DamagedAsset.ReferredType.ROUTE_SEGMENT:
            segments.add(asset.segment.code)
        elif asset.referred_type == DamagedAsset.ReferredType.SUPPORT_POINT:
            supports.add(asset.support.code)
        elif asset.referred_type == DamagedAsset.ReferredType.SITE:
            sites.add(asset.site.code)
        elif asset.referred_type == DamagedAsset.ReferredType.CABLE:
            segments.update(asset.cable.segments.values_list("code", flat=True))
        elif asset.referred_type == DamagedAsset.ReferredType.ENCLOSURE and asset.enclosure.support_id:
            supports.add(asset.enclosure.support.code)
    return {"failed_segments": sorted(segments), "failed_supports": sorted(supports), "failed_sites": sorted(sites)}


def refresh_ticket_impact(ticket) -> dict | None:
    """Compute and store `ticket.impact` from its damaged assets (called on create and whenever
    `relatedEntity` changes, inside the same transaction). No damaged asset: no impact (null)."""
    arguments = impact_arguments(ticket)
    if any(arguments.values()):
        ticket.impact = impact_as_json(ticket.network, impact(ticket.network, **arguments))
    else:
        ticket.impact = None
    ticket.save(update_fields=["impact"])
    return ticket.impact


def impacted_premises(ticket) -> list:
    """The premises listed by a collective-outage ticket (*liste des prises impactées*), from the stored impact."""
    return list((ticket.impact or {}).get("premisesCodes") or [])
