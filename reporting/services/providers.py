"""Optional sections of the situation report, fed by other apps when they are installed.

Each provider takes the crisis and the report time and returns a JSON-ready value, or None when the
feature is absent (its app not installed, or nothing to say): the report then leaves the section
out. The app behind each provider is found by a try-import of the module named in
`settings.REPORTING_PROVIDERS` (dotted path of a function), so that the damage-report, restoration
and power apps, built in parallel, slot in by naming their function there, and nothing here imports
them at load time:

- "damage_reports": f(crisis, at) -> {"total", "by_kind": {kind: n}, "by_commune": {insee: n}}
- "restoration": f(crisis, at) -> {"communes": [{"insee", "eta_p50", "eta_p90"}], ...} (the payload of
  `GET /api/v1/crises/<id>/restoration/`)
- "power": f(network, at=None) -> {"sites": [{"code", "state", "dark_at", "premises_cut"}]} (the
  payload of `GET /api/v1/networks/<slug>/power/`), called per network of the crisis
"""
import importlib
import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

log = logging.getLogger(__name__)

DEFAULTS = {
    "damage_reports": "restoration.services.reports.damage_report_summary",
    "restoration": "restoration.services.plan.restoration_outlook",
    "power": "power.services.prediction.network_power_state",
}


def provider(name: str):
    """The provider function configured for `name`, or None when its module is not installed."""
    path = getattr(settings, "REPORTING_PROVIDERS", {}).get(name, DEFAULTS.get(name))
    if not path:
        return None
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attr, None)


def _call(name, *args):
    """The provider's answer made JSON-ready (datetimes as ISO text: it goes into the report's snapshot)."""
    func = provider(name)
    if func is None:
        return None
    try:
        value = func(*args)
        return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except Exception:  # a failing optional section must not stop the report  # noqa: BLE001
        log.exception("reporting provider %s failed", name)
        return None


def damage_reports(crisis, at):
    return _call("damage_reports", crisis, at)


def restoration_outlook(crisis, at):
    return _call("restoration", crisis, at)


def power_state(crisis, at):
    """Active sites' power state per network of the crisis, summarised by state (None when unknown)."""
    if provider("power") is None:
        return None
    networks = {}
    for network in crisis.networks.all():
        state = _call("power", network, at)
        if not state:
            continue
        sites = state.get("sites", []) if isinstance(state, dict) else list(state)
        by_state: dict = {}
        for site in sites:
            key = site.get("state", "unknown") if isinstance(site, dict) else "unknown"
            by_state[key] = by_state.get(key, 0) + 1
        networks[network.slug] = {"by_state": by_state, "sites": sites[:20]}
    return networks or None
