"""The shared permission matrix: role × own/other organisation × endpoint, for every API endpoint.

A test module lists its endpoints (a name, a call, the expected status for a role in its own or in
the other organisation) and parametrises one test with `matrix`:

    ENDPOINTS = [
        Endpoint("case_get", lambda c, w: c.get(f"/api/v1/complex-connections/{w['case']}/"), detail(200, 404)),
        Endpoint("case_note", lambda c, w: c.post(...), write(201, 404)),
    ]

    @matrix
    def test_matrix(world, token_client, org_slug, own, role):
        check(ENDPOINTS, world, token_client, org_slug, role)

The world is two networks: net-a (owner syn-a, operator oi-a) holds the objects; net-b (syn-b,
oi-b) is the other organisation's. `check` compares the whole row at once, so a failure shows
every endpoint that differs. The expectation helpers say the house rules in one place:
elected officials read aggregates only, read-only roles are refused any write with 403 before
any lookup (ScopedViewMixin) unless the endpoint says otherwise, other organisations' objects are
404 (their existence does not leak).
"""
from dataclasses import dataclass
from typing import Callable

import pytest

ROLES = ["crisis_manager", "operator_agent", "admin", "viewer", "auditor", "elected_official"]
WRITERS = frozenset({"crisis_manager", "operator_agent", "admin"})
AGGREGATE_ONLY = frozenset({"elected_official"})
ORGS = [("syn-a", True), ("oi-a", True), ("syn-b", False), ("oi-b", False)]

def matrix(test):
    """Parametrise a test over every role × organisation of the world."""
    return pytest.mark.parametrize("org_slug,own", ORGS)(pytest.mark.parametrize("role", ROLES)(test))


@dataclass(frozen=True)
class Endpoint:
    name: str
    call: Callable  # (client, world) -> response
    expect: Callable  # (role, own, organisation slug) -> status


def check(endpoints, world, token_client, org_slug, role):
    from organisations.models import Organisation

    client, _token = token_client(Organisation.objects.get(slug=org_slug), role)
    own = org_slug.endswith("-a")
    got = {e.name: e.call(client, world).status_code for e in endpoints}
    want = {e.name: e.expect(role, own, org_slug) for e in endpoints}
    assert got == want, {name: {"got": got[name], "want": want[name]} for name in got if got[name] != want[name]}


# --- expectations -------------------------------------------------------------------------------

def everyone(status=200):
    """Any authenticated role, any organisation (a list scoped to the caller, the caller itself)."""
    return lambda role, own, org=None: status


def detail(own_status=200, other_status=404, elected=403):
    """Operator detail: elected officials refused, other organisations' objects not found."""
    return lambda role, own, org=None: elected if role in AGGREGATE_ONLY else (own_status if own else other_status)


def aggregate(own_status=200, other_status=404):
    """Readable by every role of the organisation, elected officials included."""
    return lambda role, own, org=None: own_status if own else other_status


def write(own_status, other_status=404, read_only=403, elected=None):
    """A change: writers get own/other status, read-only roles 403 (elected: `elected`, default 403)."""
    def expect(role, own, org=None):
        if role in AGGREGATE_ONLY:
            return elected if elected is not None else read_only
        if role not in WRITERS:
            return read_only
        return own_status if own else other_status
    return expect


def roles(mapping, default):
    """An explicit rule: {role: status or (own status, other status)}, `default` for the others."""
    def expect(role, own, org=None):
        value = mapping.get(role, default)
        return value[0 if own else 1] if isinstance(value, tuple) else value
    return expect


def only(org_slugs, status=200, otherwise=404):
    """Readable by every role of these organisations only (e.g. a manual alert: its author's)."""
    return lambda role, own, org=None: status if org in org_slugs else otherwise
