"""Storm replay (*rejeu de tempête*): play a timeline of historic alerts, field damage reports, their
triage into tickets and the tickets' resolutions against a network, for exercises and after-action
reviews. `manage.py replay_storm FILE_OR_NAME --network SLUG [--speed N]`.

A scenario is JSON (restoration/scenarios/<name>.json, sources next to it):

    {"name": "...", "title": "...", "start": ISO 8601, "seed": 1,
     "events": [{"at_hours": 0, "type": "alert", "hazard": "wind", "level": 3, "gust_kmh": 130,
                 "onset": ISO, "expires": ISO, "headline": "...", "key": "orange"},
                {"at_hours": 10, "type": "crisis_open", "name": "...", "level": "crisis"},
                {"at_hours": 18, "type": "damage", "alert": "red", "share": 0.6},
                {"at_hours": 20, "type": "triage"},
                {"at_hours": 72, "type": "resolve", "share": 0.3},
                {"at_hours": 2400, "type": "crisis_close"}]}

- `alert`: ingested as a historic GeoJSON alert (`historic=True`: stored ended, with the original
  times of the scenario) over the network's département, owned by the network's owner.
- `damage`: the failures of the named alert drawn once (seeded) from the calibrated damage model
  on this network (resilience/services/damage.py), so the scenario runs on any generated Breton
  network; each `damage` event files reports for `share` of the drawn failures not yet reported
  (pole down, cable down, chamber flooded, cabinet damaged at the asset's position).
- `triage`: every untriaged report group becomes a ticket (restoration/services/reports.py).
- `resolve`: tickets are resolved until `share` of all the replay's tickets are, most premises and
  critical sites first (isolated hamlets last, as after Ciarán).

Clock. `--speed 0`: as fast as possible, the storm placed in the past so that it ends now (every
ticket, crisis and resolution stamped with its scenario time shifted by the same amount); `--speed N`:
N times faster than real time (N = 3600: a scenario hour per second), each event stamped when it is
played.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
EVENT_TYPES = ("alert", "crisis_open", "damage", "triage", "resolve", "crisis_close")


class ScenarioError(ValueError):
    pass


def load_scenario(file_or_name: str) -> dict:
    """A scenario from a file path, or a shipped scenario by name (restoration/scenarios/)."""
    path = Path(file_or_name)
    if not path.exists():
        path = SCENARIOS_DIR / f"{file_or_name}.json"
    if not path.exists():
        shipped = sorted(p.stem for p in SCENARIOS_DIR.glob("*.json"))
        raise ScenarioError(f"unknown scenario '{file_or_name}' (a file, or one of: {', '.join(shipped)})")
    try:
        scenario = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ScenarioError(f"{path}: not JSON: {exc}") from None
    check_scenario(scenario)
    return scenario


def check_scenario(scenario) -> None:
    if not isinstance(scenario, dict) or not isinstance(scenario.get("events"), list) or not scenario["events"]:
        raise ScenarioError("events: a non-empty list is required")
    last = -1.0
    for i, event in enumerate(scenario["events"]):
        if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
            raise ScenarioError(f"events.{i}.type: one of {', '.join(EVENT_TYPES)}")
        at = event.get("at_hours")
        if not isinstance(at, (int, float)) or at < last:
            raise ScenarioError(f"events.{i}.at_hours: a number, not before the previous event")
        last = at
        if event["type"] == "damage" and not event.get("alert"):
            raise ScenarioError(f"events.{i}.alert: the key of an earlier alert event")


@dataclass
class ReplayState:
    network: object
    scenario: dict
    anchor: datetime  # scenario hour 0 in the stamped times (speed 0)
    speed: float
    alerts: dict = field(default_factory=dict)  # key -> Alert
    failures: dict = field(default_factory=dict)  # alert key -> [(kind, id)] drawn
    reported: dict = field(default_factory=dict)  # alert key -> count reported
    crisis: object = None
    tickets: list = field(default_factory=list)
    log: list = field(default_factory=list)

    def stamp(self, at_hours: float) -> datetime:
        return self.anchor + timedelta(hours=at_hours) if self.speed == 0 else timezone.now()


def _principal():
    from organisations.scoping import Principal

    return Principal(user=None, roles={}, is_superuser=True)


def _alert(state: ReplayState, event: dict) -> str:
    from resilience.services.ingest import ingest_payload

    network = state.network
    props = {k: event[k] for k in ("hazard", "level", "headline", "onset", "expires", "gust_kmh", "rain_mm", "water_m")
             if k in event}
    props.update({"network": network.slug, "identifier": f"replay-{state.scenario.get('name', 'storm')}-{event.get('key', '')}"
                  f"-{network.slug}-{int(state.anchor.timestamp())}"})
    if network.departement_id:
        props["departement"] = network.departement_id
    doc = {"type": "Feature", "geometry": None, "properties": props}
    alert = ingest_payload(json.dumps(doc).encode(), "geojson", organisation=network.owner, network=network,
                           historic=True).alerts[0]
    state.alerts[event.get("key") or str(len(state.alerts))] = alert
    if state.crisis is not None:
        state.crisis.alert_ids = [*state.crisis.alert_ids, alert.pk]
        state.crisis.save(update_fields=["alert_ids"])
    return f"alert {alert.pk}: {alert.hazard} level {alert.level} ({alert.lifecycle})"


def _crisis_open(state: ReplayState, event: dict) -> str:
    from incidents.models import Crisis

    crisis = Crisis.objects.create(name=event.get("name") or state.scenario.get("title", "Replay"),
                                   level=event.get("level", "crisis"), opened_at=state.stamp(event["at_hours"]),
                                   alert_ids=[a.pk for a in state.alerts.values()])
    crisis.networks.add(state.network)
    crisis.organisations.add(*[o for o in (state.network.owner, state.network.operator) if o])
    state.crisis = crisis
    return f"crisis {crisis.pk} opened"


def failure_probabilities(alert, network) -> dict:
    """{("segments"|"supports"|"sites", id): p} of the network's assets in the alert area, from the
    damage model (the same rows as the exposure's SQL, resilience/services/damage.py), by plain
    indexed queries: a replay needs the draw, not the per-commune figures of an exposure run."""
    from network.models import RouteSegment, Site, SupportPoint
    from resilience.services.damage import rows_for, segment_probability

    rows = rows_for(alert, network)
    area = alert.area
    out = {}
    modes = {mode: (p, per_len) for mode, p, per_len in rows.segments}
    if modes:
        for pk, mode, length in (RouteSegment.objects.filter(network=network, laying_mode__in=list(modes), geom__intersects=area)
                                 .values_list("pk", "laying_mode", "length_m")):
            p, per_len = modes[mode]
            out[("segments", pk)] = segment_probability(p, length) if per_len else p
    if rows.supports:
        types = sorted({r[0] for r in rows.supports})
        for pk, stype, owner, state in (SupportPoint.objects.filter(network=network, support_type__in=types, geom__intersects=area)
                                        .values_list("pk", "support_type", "owner", "state")):
            for rtype, rowner, rstate, p, _damage in rows.supports:
                if rtype == stype and rowner in (None, owner) and rstate in (None, state):
                    out[("supports", pk)] = p
                    break
    if rows.sites:
        for pk, stype in Site.objects.filter(network=network, geom__intersects=area).values_list("pk", "site_type"):
            for rtype, p in rows.sites:
                if rtype in (None, stype):
                    out[("sites", pk)] = p
                    break
    return out


def _draw(state: ReplayState, key: str) -> list:
    """The failures of alert `key` on the network, drawn once from the damage model (seeded)."""
    if key not in state.failures:
        probabilities = failure_probabilities(state.alerts[key], state.network)
        rng = np.random.default_rng(int(state.scenario.get("seed", 1)))
        keys = sorted(probabilities)
        draws = rng.random(len(keys))
        found = [k for k, u in zip(keys, draws) if u < probabilities[k]]
        order = rng.permutation(len(found))
        state.failures[key] = [found[i] for i in order]
        state.reported[key] = 0
    return state.failures[key]


def _damage(state: ReplayState, event: dict) -> str:
    from network.models import RouteSegment, Site, SupportPoint, SupportType

    from .reports import file_report

    key = event["alert"]
    if key not in state.alerts:
        raise ScenarioError(f"damage: no alert '{key}' played before")
    failures = _draw(state, key)
    done = state.reported[key]
    total = min(len(failures), done + round(float(event.get("share", 1.0)) * len(failures)))
    batch = failures[done:total]
    ids = {k: [pk for kind, pk in batch if kind == k] for k in ("sites", "supports", "segments")}
    points = {("sites", s.pk): (s.geom, "cabinet_damaged") for s in Site.objects.filter(pk__in=ids["sites"])}
    kinds = {SupportType.POLE: "pole_down", SupportType.CHAMBER: "chamber_flooded"}
    for s in SupportPoint.objects.filter(pk__in=ids["supports"]):
        points[("supports", s.pk)] = (s.geom, kinds.get(s.support_type, "cable_down"))
    for s in RouteSegment.objects.filter(pk__in=ids["segments"]).only("pk", "geom"):
        points[("segments", s.pk)] = (s.geom.interpolate_normalized(0.5), "cable_down")
    principal, when = _principal(), state.stamp(event["at_hours"])
    filed = 0
    for item in batch:
        if item in points:
            geom, kind = points[item]
            file_report(principal, state.network, kind, geom, event.get("comment", "") or "", reported_at=when)
            filed += 1
    state.reported[key] = total
    return f"{filed} damage reports ({total}/{len(failures)} of the drawn failures)"


def _triage(state: ReplayState, event: dict) -> str:
    from incidents.models import TroubleTicket

    from ..models import DamageReport, DamageReportStatus
    from .reports import triage_to_ticket

    heads = (DamageReport.objects.filter(network=state.network, status=DamageReportStatus.NEW)
             .order_by("group_id").values_list("group_id", flat=True).distinct())
    principal, when = _principal(), state.stamp(event["at_hours"])
    made = 0
    for group_id in list(heads):
        report = DamageReport.objects.get(pk=group_id)
        ticket = triage_to_ticket(principal, report)
        if state.speed == 0:
            TroubleTicket.objects.filter(pk=ticket.pk).update(creation_date=when, status_change_date=when, last_update=when)
        state.tickets.append(ticket.pk)
        made += 1
    return f"{made} tickets"


def _resolve(state: ReplayState, event: dict) -> str:
    from incidents.models import TroubleTicket
    from incidents.services.tickets import Actor, patch_ticket

    tickets = list(TroubleTicket.objects.filter(pk__in=state.tickets))
    target = round(float(event.get("share", 1.0)) * len(tickets))
    resolved = [t for t in tickets if t.status in ("resolved", "closed")]
    todo = sorted((t for t in tickets if t.status not in ("resolved", "closed", "cancelled", "rejected")),
                  key=lambda t: (-((t.impact or {}).get("critical_sites") or 0), -((t.impact or {}).get("premises") or 0), t.pk))
    actor = Actor(user=None, organisation=state.network.operator or state.network.owner, base_url="")
    when = state.stamp(event["at_hours"])
    count = 0
    for ticket in todo[:max(0, target - len(resolved))]:
        if ticket.status != "inProgress":
            patch_ticket(ticket.pk, {"status": "inProgress"}, actor)
        patch_ticket(ticket.pk, {"status": "resolved", "resolutionDate": when}, actor)
        count += 1
    return f"{count} tickets resolved ({len(resolved) + count}/{len(tickets)})"


def _crisis_close(state: ReplayState, event: dict) -> str:
    if state.crisis is None:
        return "no crisis to close"
    state.crisis.closed_at = max(state.stamp(event["at_hours"]), state.crisis.opened_at)
    state.crisis.save(update_fields=["closed_at"])
    return f"crisis {state.crisis.pk} closed"


HANDLERS = {"alert": _alert, "crisis_open": _crisis_open, "damage": _damage, "triage": _triage, "resolve": _resolve,
            "crisis_close": _crisis_close}


def replay(scenario: dict, network, *, speed: float = 3600.0, out=None, sleep=time.sleep) -> ReplayState:
    """Play every event of the scenario in order; each event in its own transaction."""
    check_scenario(scenario)
    events = scenario["events"]
    duration = float(events[-1]["at_hours"])
    now = timezone.now()
    anchor = now - timedelta(hours=duration) if speed == 0 else now
    state = ReplayState(network=network, scenario=scenario, anchor=anchor, speed=float(speed))
    previous = 0.0
    for event in events:
        if speed > 0 and event["at_hours"] > previous:
            sleep((event["at_hours"] - previous) * 3600.0 / speed)
        previous = event["at_hours"]
        with transaction.atomic():
            line = HANDLERS[event["type"]](state, event)
        stamp = state.stamp(event["at_hours"]).isoformat(timespec="minutes")
        message = f"[+{event['at_hours']:g} h {stamp}] {event['type']}: {line}"
        state.log.append(message)
        if out is not None:
            out(message)
    return state
