"""Predicted power state of the active sites of a network (*prévision de l'état électrique*).

For each active site (a PowerSupply row) at time `at` (now by default):

- the grid outages covering its delivery point (`grid_point`, else the site's position), not
  ended at `at`; the earliest-starting one is the site's current **episode**;
- its autonomy: `battery_hours`, plus `fuel_hours` when it has a fixed generator (the generator
  runs first, the batteries bridge its start and take over when the tank is empty); a **connected**
  mobile generator keeps it up (no darkness predicted: the crew refuels it);
- `dark_at` = outage start + autonomy; the state at `at`: `on_grid` (no outage, or announced for
  later), `on_generator`, `on_battery` (since the outage start, or since the fixed generator's tank
  ran out), `dark`;
- an operator's declaration (SiteStateOverride) wins from its time on: `dark` holds until a
  `restored` one; `restored` clears the outages that started before it.

`dark_at` is kept even when the outage's expected end comes first: in a storm the distribution
operator's estimates slip (Ciarán: days, not hours), so the crisis cell plans on the autonomy and
sees `expected_end` beside it (`grid_back_before_dark`).

What a site cuts when dark comes from the impact engine (resilience.services.impact), cutting
that site alone: premises, households, businesses, critical sites and the per-commune table.
`premises_cut` is 0 when no darkness is predicted.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.utils import timezone

from network.models import Network

from ..models import GeneratorKind, OverrideState, PowerOutage, PowerSupply, SiteStateOverride

ON_GRID, ON_BATTERY, ON_GENERATOR, DARK = "on_grid", "on_battery", "on_generator", "dark"
STATES = (ON_GRID, ON_BATTERY, ON_GENERATOR, DARK)


def lead_time() -> timedelta:
    """How long before `dark_at` a site is `at_risk` (settings.POWER_AT_RISK_LEAD_MINUTES)."""
    return timedelta(minutes=settings.POWER_AT_RISK_LEAD_MINUTES)


def outages_by_supply(network: Network, at: datetime) -> dict[int, list[PowerOutage]]:
    """Outages not ended at `at` covering each supply's delivery point, earliest first: one join
    on the GiST index of the outage areas."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.id, o.id FROM power_powersupply s
                 JOIN network_site st ON st.id = s.site_id
                 JOIN power_poweroutage o ON o.network_id = s.network_id
                      AND ST_Intersects(o.area, COALESCE(s.grid_point, st.geom))
                WHERE s.network_id = %s AND (o.ended_at IS NULL OR o.ended_at > %s)
                ORDER BY o.start, o.id""", [network.pk, at])
        pairs = cursor.fetchall()
    outages = PowerOutage.objects.in_bulk({o for _s, o in pairs})
    found: dict[int, list[PowerOutage]] = {}
    for supply_id, outage_id in pairs:
        found.setdefault(supply_id, []).append(outages[outage_id])
    return found


def latest_overrides(network: Network, at: datetime) -> dict[int, SiteStateOverride]:
    out: dict[int, SiteStateOverride] = {}
    for override in (SiteStateOverride.objects.filter(supply__network=network, at__lte=at)
                     .order_by("supply_id", "-at", "-pk").distinct("supply_id")):
        out[override.supply_id] = override
    return out


def predict_supply(supply: PowerSupply, outages: list[PowerOutage], override: SiteStateOverride | None,
                   at: datetime) -> dict:
    """State, since, dark_at and episode of one supply (no impact figures)."""
    result = {"state": ON_GRID, "since": None, "dark_at": None, "outage": None, "episode": None,
              "declared": None, "grid_back_before_dark": False}
    if override is not None:
        result["declared"] = {"state": override.state, "at": override.at, "comment": override.comment}
        if override.state == OverrideState.DARK:
            result.update(state=DARK, since=override.at, dark_at=override.at, episode=f"override:{override.pk}")
            return result
        outages = [o for o in outages if o.start > override.at]
    if not outages:
        return result
    outage = outages[0]
    result["outage"] = outage
    result["episode"] = f"outage:{outage.pk}"
    start = outage.start
    if supply.generator == GeneratorKind.CONNECTED:
        if start <= at:
            result.update(state=ON_GENERATOR, since=max(start, supply.generator_connected_at or start))
        return result
    fuel = timedelta(hours=supply.fuel_hours or 0) if supply.generator == GeneratorKind.FIXED else timedelta(0)
    battery = timedelta(hours=supply.battery_hours or 0)
    dark_at = start + fuel + battery
    result["dark_at"] = dark_at
    result["grid_back_before_dark"] = bool(outage.expected_end and outage.expected_end <= dark_at)
    if at < start:
        return result
    if at < start + fuel:
        result.update(state=ON_GENERATOR, since=start)
    elif at < dark_at:
        result.update(state=ON_BATTERY, since=start + fuel)
    else:
        result.update(state=DARK, since=dark_at)
    return result


def site_rows(network: Network, at: datetime | None = None, *, with_impact: bool = True) -> list[dict]:
    """One dict per active site of the network (see the module docstring)."""
    from resilience.services.graph import get_service_graph
    from resilience.services.impact import UnknownAssets, impact_on_graph, resolve

    at = at or timezone.now()
    supplies = list(PowerSupply.objects.filter(network=network).select_related("site", "mobile_generator")
                    .annotate(lonlat=Transform("site__geom", 4326)).order_by("site__code"))
    graph = get_service_graph(network) if with_impact and supplies else None
    outages = outages_by_supply(network, at)
    overrides = latest_overrides(network, at)
    lead = lead_time()
    rows = []
    for supply in supplies:
        p = predict_supply(supply, outages.get(supply.pk, []), overrides.get(supply.pk), at)
        site = supply.site
        outage = p["outage"]
        row = {
            "code": site.code, "name": site.name, "site_type": site.site_type, "supply_id": supply.pk,
            "state": p["state"], "since": p["since"], "dark_at": p["dark_at"],
            "at_risk": bool(p["dark_at"] and p["state"] != DARK and p["dark_at"] - lead <= at),
            "grid_back_before_dark": p["grid_back_before_dark"], "declared": p["declared"], "episode": p["episode"],
            "outage": None if outage is None else {
                "id": outage.pk, "source": outage.source, "reference": outage.reference, "start": outage.start,
                "expected_end": outage.expected_end},
            "battery_hours": supply.battery_hours, "battery_tested_on": supply.battery_tested_on,
            "generator": supply.generator, "fuel_hours": supply.fuel_hours,
            "mobile_connectable": supply.mobile_connectable, "delivery_point": supply.delivery_point,
            "mobile_generator": supply.mobile_generator.name if supply.mobile_generator else None,
            "location": [round(supply.lonlat.x, 6), round(supply.lonlat.y, 6)],
            "premises_cut": 0, "households_cut": 0, "businesses_cut": 0, "critical_sites_cut": 0, "communes": [],
            "_supply": supply,
        }
        if with_impact and p["dark_at"] is not None:
            try:
                index = resolve(graph, network, sites=[site.code])["sites"]
            except UnknownAssets:  # a site added since the graph's network version: nothing known below it
                index = []
            result = impact_on_graph(graph, sites=index)
            row.update(premises_cut=result.premises, households_cut=result.households,
                       businesses_cut=result.businesses, critical_sites_cut=result.critical,
                       communes=[vars(c) for c in result.communes])
        rows.append(row)
    return rows


def network_power_state(network: Network, at: datetime | None = None) -> dict:
    """The power state of a network's active sites at `at` (now by default), as plain dicts.

    The one entry point for other apps (situation reports, issue 17)::

        {"network": slug, "at": datetime,
         "totals": {"sites", "on_grid", "on_battery", "on_generator", "dark", "at_risk",
                    "premises_cut_now", "premises_cut_predicted"},
         "sites": [{"code", "name", "site_type", "state", "since", "dark_at", "at_risk",
                    "premises_cut", "households_cut", "businesses_cut", "critical_sites_cut",
                    "communes": [{"insee", "name", "premises", "households", "businesses", "critical"}],
                    "outage": {"id", "source", "reference", "start", "expected_end"} | None,
                    "declared": {"state", "at", "comment"} | None, "battery_hours", "generator", ...}],
         "timeline": [{"code", "name", "site_type", "state", "dark_at", "premises_cut"}]}

    Datetimes are aware (UTC). `premises_cut_now` cuts every dark site at once through the impact
    engine (redundancy counts); `premises_cut_predicted` every site with a predicted `dark_at`.
    """
    at = at or timezone.now()
    rows = site_rows(network, at)
    for row in rows:
        row.pop("_supply")
    totals = {"sites": len(rows), **{s: sum(1 for r in rows if r["state"] == s) for s in STATES},
              "at_risk": sum(1 for r in rows if r["at_risk"])}
    dark_now = [r["code"] for r in rows if r["state"] == DARK]
    predicted = [r["code"] for r in rows if r["dark_at"] is not None]
    totals["premises_cut_now"] = premises_cut_together(network, dark_now)
    totals["premises_cut_predicted"] = premises_cut_together(network, predicted)
    timeline = sorted(
        ({"code": r["code"], "name": r["name"], "site_type": r["site_type"], "state": r["state"],
          "dark_at": r["dark_at"], "premises_cut": r["premises_cut"]} for r in rows if r["dark_at"] is not None),
        key=lambda r: (r["dark_at"], r["code"]))
    return {"network": network.slug, "at": at, "totals": totals, "sites": rows, "timeline": timeline}


def premises_cut_together(network: Network, site_codes: list[str]) -> int:
    """Premises cut when these sites fail at once (redundancy between them counts)."""
    if not site_codes:
        return 0
    from resilience.services.graph import get_service_graph
    from resilience.services.impact import impact_on_graph

    graph = get_service_graph(network)
    index = [graph.site_code_index[c] for c in site_codes if c in graph.site_code_index]
    return impact_on_graph(graph, sites=index).premises


def as_json(value):
    """Datetimes and dates of a network_power_state() answer as ISO 8601 strings (UTC)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
