"""Mobile generator dispatch (*répartition des groupes électrogènes mobiles*): a greedy plan.

Inputs: the sites predicted to go dark within the horizon (`dark_at` ≤ now + horizon) that can
take a mobile generator (`mobile_connectable`, no generator connected yet), and the available
units of each fleet (MobileGenerator.count minus the units already connected to a site).

Travel: straight-line distance from the depot × POWER_DISPATCH["DETOUR_FACTOR"] (1.3: roads are
longer than the crow flies) at POWER_DISPATCH["ROAD_SPEED_KMH"] (50 km/h: secondary roads in a
storm, fallen trees), plus POWER_DISPATCH["CONNECT_MINUTES"] (30 min to connect). A unit arriving
at `arrival` keeps the site up from max(arrival, dark_at) for `runtime_hours`, within the horizon;
before its arrival the site is dark from `dark_at` anyway.

Value of sending a unit to a site = premises the site cuts × hours of darkness avoided within
the horizon. Greedy: repeatedly take the (unit, site) pair of highest value among unused units
and unserved sites (ties: earlier dark_at, then site code), until no pair has value. Not optimal
in general (a bipartite assignment would be), but explainable to a crisis cell in one sentence,
and with a handful of units and sites it is what a dispatcher would do by hand.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from network.models import Network

from ..models import GeneratorKind, MobileGenerator, PowerSupply
from .prediction import DARK, site_rows


def travel_hours(depot: Point, target: Point) -> float:
    cfg = settings.POWER_DISPATCH
    km = depot.distance(target) / 1000.0 * cfg["DETOUR_FACTOR"]
    return km / cfg["ROAD_SPEED_KMH"] + cfg["CONNECT_MINUTES"] / 60.0


def plan(network: Network, *, at=None, horizon_hours: float | None = None) -> dict:
    """The dispatch plan as plain dicts (datetimes aware, UTC)."""
    at = at or timezone.now()
    horizon_hours = horizon_hours or settings.POWER_DISPATCH["HORIZON_HOURS"]
    end = at + timedelta(hours=horizon_hours)
    rows = [r for r in site_rows(network, at)
            if r["dark_at"] is not None and r["dark_at"] <= end and r["mobile_connectable"]
            and r["generator"] != GeneratorKind.CONNECTED and r["premises_cut"] > 0
            and not (r["declared"] and r["state"] == DARK and r["declared"]["state"] == "dark")]
    fleets = list(MobileGenerator.objects.filter(network=network).order_by("name"))
    in_use = {f.pk: PowerSupply.objects.filter(mobile_generator=f, generator=GeneratorKind.CONNECTED).count()
              for f in fleets}
    units = [(fleet, n) for fleet in fleets for n in range(max(fleet.count - in_use[fleet.pk], 0))]
    candidates = []
    for ui, (fleet, _n) in enumerate(units):
        for si, row in enumerate(rows):
            hours = travel_hours(fleet.depot, row["_supply"].supply_point)
            arrival = at + timedelta(hours=hours)
            up_from = max(arrival, row["dark_at"])
            up_to = min(up_from + timedelta(hours=fleet.runtime_hours), end)
            dark_hours_avoided = max((up_to - up_from).total_seconds() / 3600.0, 0.0)
            value = row["premises_cut"] * dark_hours_avoided
            if value > 0:
                candidates.append((-value, row["dark_at"], row["code"], ui, si, arrival, hours, dark_hours_avoided))
    candidates.sort(key=lambda c: (c[0], c[1], c[2], c[3]))
    used_units, served, assignments = set(), set(), []
    for neg_value, dark_at, code, ui, si, arrival, hours, avoided in candidates:
        if ui in used_units or si in served:
            continue
        used_units.add(ui)
        served.add(si)
        fleet, row = units[ui][0], rows[si]
        depot = fleet.depot.transform(4326, clone=True)
        assignments.append({
            "generator": fleet.name, "generator_id": fleet.pk, "depot": [round(depot.x, 6), round(depot.y, 6)],
            "site": code, "site_name": row["name"], "location": row["location"],
            "travel_hours": round(hours, 2), "arrival": arrival, "dark_at": dark_at,
            "in_time": arrival <= dark_at, "dark_hours_avoided": round(avoided, 2),
            "premises_saved": row["premises_cut"], "households_saved": row["households_cut"],
            "critical_sites_saved": row["critical_sites_cut"], "premises_hours": round(-neg_value, 1),
        })
    unserved = [{"site": rows[i]["code"], "dark_at": rows[i]["dark_at"], "premises_cut": rows[i]["premises_cut"]}
                for i in range(len(rows)) if i not in served]
    cfg = settings.POWER_DISPATCH
    return {
        "network": network.slug, "at": at, "horizon_hours": horizon_hours,
        "assumptions": {"road_speed_kmh": cfg["ROAD_SPEED_KMH"], "detour_factor": cfg["DETOUR_FACTOR"],
                        "connect_minutes": cfg["CONNECT_MINUTES"]},
        "generators": [{"id": f.pk, "name": f.name, "count": f.count, "in_use": in_use[f.pk],
                        "runtime_hours": f.runtime_hours} for f in fleets],
        "assignments": assignments,
        "premises_saved": sum(a["premises_saved"] for a in assignments if a["in_time"]),
        "unserved": unserved,
    }
