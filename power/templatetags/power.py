"""Template helpers of the power app: state labels, and the dashboard's power timeline."""
from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.services.access import detail_networks

from ..models import PowerOutage, SiteStateOverride
from ..services.prediction import network_power_state

register = template.Library()

STATE_LABELS = {
    "on_grid": _("sur le réseau électrique"),
    "on_battery": _("sur batterie"),
    "on_generator": _("sur groupe électrogène"),
    "dark": _("hors service"),
}
SITE_TYPE_LABELS = {"NRO": "NRO", "SROL": "NRO", "SRO": "PM"}


@register.filter
def power_state(value):
    return STATE_LABELS.get(value, value)


@register.filter
def site_kind(value):
    return SITE_TYPE_LABELS.get(value, value)


@register.inclusion_tag("power/_timeline.html", takes_context=True)
def power_timeline(context, limit=8):
    """The next losses of service of the networks the dashboard's principal sees in detail
    (only networks with an outage in progress or a declaration: nothing to compute otherwise)."""
    principal = context.get("principal")
    entries = []
    if principal is not None:
        networks = detail_networks(principal)
        busy = set(PowerOutage.objects.filter(network__in=networks).current(timezone.now())
                   .values_list("network_id", flat=True))
        busy |= set(SiteStateOverride.objects.filter(supply__network__in=networks, state="dark")
                    .values_list("supply__network_id", flat=True))
        for network in networks.filter(pk__in=busy).order_by("slug"):
            state = network_power_state(network)
            for row in state["sites"]:
                if row["state"] != "on_grid" or row["dark_at"] is not None:
                    entries.append({**row, "network": network})
    entries.sort(key=lambda r: (r["dark_at"] is None, r["dark_at"].timestamp() if r["dark_at"] else 0, r["code"]))
    return {"entries": entries[:limit], "more": max(len(entries) - limit, 0)}
