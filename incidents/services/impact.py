"""The impact of a ticket's damaged assets (premises and critical sites cut, per commune).

The impact engine (`resilience.services.impact.impact(network, failed_segments=..., failed_supports=...,
failed_sites=...)`) is written in parallel in the resilience app. Until it is connected here,
`refresh_ticket_impact` computes nothing and leaves `ticket.impact` null: the API then shows
"impact": null and an empty "impactedPremises". Connecting it is one call in `refresh_ticket_impact`,
with the arguments prepared by `impact_arguments` and the result stored as JSON.
"""
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
    `relatedEntity` changes, inside the same transaction).

    NOT CONNECTED YET: the impact engine lives in another branch. The lead connects it after the
    merge, e.g.:

        from resilience.services.impact import impact
        result = impact(ticket.network, **impact_arguments(ticket))
        ticket.impact = <JSON of result: {"premises": [codes], "communes": [...], "criticalSites": [...]}>

    Until then the stored impact stays null (nothing is faked).
    """
    ticket.impact = None
    ticket.save(update_fields=["impact"])
    return ticket.impact


def impacted_premises(ticket) -> list:
    """The premises listed by a collective-outage ticket (*liste des prises impactées*), from the stored impact."""
    return list((ticket.impact or {}).get("premises") or [])
