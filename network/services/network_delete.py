"""Removing a network and everything that hangs on it (*suppression d'un réseau*), in one
transaction, audited. Refused while tickets that are still open reference it, unless forced
(then its tickets go with it, closed or not).

`network` sits below the apps that hang things on a network (tickets in `incidents`...) and must
not import them (import-linter layers): those apps register a *dependent* here from their
`AppConfig.ready` — a guard that says why the network may not go (open tickets) and a purge that
removes their rows first — as the event registry does for webhooks."""
from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.db.models.deletion import ProtectedError

from core.audit import record
from core.models import AuditEvent
from network.models import DeliveredTable, ImportRun, Network, Premises

from .generator.target import clear


class DeleteRefused(Exception):
    """`path` and `reason` as in the API's error shape."""

    def __init__(self, path: str, reason: str):
        super().__init__(reason)
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Dependent:
    name: str  # the count's key in the answer ("tickets")
    guard: Callable  # (network) -> str | None: why it may not be deleted unless forced
    purge: Callable  # (network) -> int: rows removed before the network goes
    count: Callable  # (network) -> int


_dependents: dict[str, Dependent] = {}


def register_dependent(name: str, *, guard, purge, count) -> None:
    """Called from a higher app's AppConfig.ready (incidents: its tickets)."""
    _dependents[name] = Dependent(name, guard, purge, count)


def delete_network(network: Network, force: bool = False, actor=None, organisation=None) -> dict:
    """Delete `network`; returns what was removed (counts)."""
    with transaction.atomic():
        net = Network.objects.select_for_update().get(pk=network.pk)
        if not force:
            for dependent in _dependents.values():
                reason = dependent.guard(net)
                if reason:
                    raise DeleteRefused("network", f"{reason} : --force pour supprimer quand même")
        counts = {"premises": Premises.objects.filter(network=net).count(),
                  **{d.name: d.count(net) for d in _dependents.values()},
                  "imports": ImportRun.objects.filter(network=net).count(),
                  "delivered_tables": DeliveredTable.objects.filter(network=net).count()}
        before = {"slug": net.slug, "name": net.name, "owner": net.owner.slug, "version": net.version,
                  "force": force, **counts}
        try:
            for dependent in _dependents.values():
                dependent.purge(net)
            clear(net)
            record(net, AuditEvent.Action.DELETE, actor=actor, organisation=organisation, before=before)
            net.delete()
        except ProtectedError as exc:
            kind = type(next(iter(exc.protected_objects))).__name__ if exc.protected_objects else "?"
            raise DeleteRefused("network", f"encore référencé ailleurs : {kind}") from exc
        return counts
