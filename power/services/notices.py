"""Outbox events of the power state (*notifications d'énergie*), once per site, episode and kind:

- `power.site_on_battery`: the site runs on its batteries (grid lost, or its fixed generator's
  tank is empty);
- `power.site_at_risk`: less than POWER_AT_RISK_LEAD_MINUTES before its predicted `dark_at`;
- `power.site_dark`: past `dark_at`, or declared dark by an operator.

`check_network` compares the prediction at `now` with the PowerNotice rows and emits what is
missing, in one transaction per network (the notice row and the outbox event commit together).
Run by beat every POWER_CHECK_SECONDS and after every outage or supply change.
"""
from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from network.models import Network
from webhooks.services.outbox import emit

from ..models import NoticeKind, OverrideState, PowerNotice, PowerOutage, SiteStateOverride
from .prediction import DARK, ON_BATTERY, as_json, site_rows


def event_payload(network: Network, row: dict) -> dict:
    return as_json({
        "network": network.slug,
        "site": {"code": row["code"], "name": row["name"], "type": row["site_type"]},
        "state": row["state"], "since": row["since"], "dark_at": row["dark_at"], "outage": row["outage"],
        "declared": row["declared"], "generator": row["generator"], "battery_hours": row["battery_hours"],
        "premises_cut": row["premises_cut"], "households_cut": row["households_cut"],
        "businesses_cut": row["businesses_cut"], "critical_sites_cut": row["critical_sites_cut"],
        "communes": row["communes"],
    })


def due_kinds(row: dict) -> list[str]:
    if row["episode"] is None:
        return []
    if row["state"] == DARK:
        return [NoticeKind.DARK]
    kinds = [NoticeKind.ON_BATTERY] if row["state"] == ON_BATTERY else []
    if row["at_risk"]:
        kinds.append(NoticeKind.AT_RISK)
    return kinds


def check_network(network: Network, at=None) -> list[str]:
    """Emit the missing events of one network; returns "<kind> <site code>" for each emitted."""
    at = at or timezone.now()
    rows = site_rows(network, at)
    sent = set(PowerNotice.objects.filter(supply__network=network).values_list("supply_id", "episode", "kind"))
    emitted = []
    for row in rows:
        for kind in due_kinds(row):
            key = (row["supply_id"], row["episode"], str(kind))
            if key in sent:
                continue
            try:
                with transaction.atomic():
                    PowerNotice.objects.create(supply=row["_supply"], episode=row["episode"], kind=kind,
                                               dark_at=row["dark_at"])
                    emit(str(kind), event_payload(network, row),
                         organisations=[network.owner_id, network.operator_id],
                         subject=f"powerSite:{network.slug}:{row['code']}")
            except IntegrityError:  # another worker sent it first
                continue
            emitted.append(f"{kind} {row['code']}")
    return emitted


def networks_to_check(at=None):
    """Networks worth a look: an outage not ended, or a dark declaration of the last week not yet
    notified (the sweeper of the check_network tasks the broker lost)."""
    at = at or timezone.now()
    ids = set(PowerOutage.objects.current(at).values_list("network_id", flat=True))
    noticed = set(PowerNotice.objects.filter(episode__startswith="override:").values_list("episode", flat=True))
    for pk, network_id in (SiteStateOverride.objects.filter(state=OverrideState.DARK, at__gte=at - timedelta(days=7))
                           .values_list("pk", "supply__network_id")):
        if f"override:{pk}" not in noticed:
            ids.add(network_id)
    return Network.objects.filter(pk__in=ids)
