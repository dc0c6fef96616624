"""Fixtures of the webhook tests: a real local receiver, listed in WEBHOOK_ALLOWED_HOSTS, short retries."""
import time

import pytest

from organisations.models import OrganisationKind

from .receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as r:
        yield r


@pytest.fixture
def fast_retries(settings):
    """Two retries, one second apart, no jitter; the sweeper takes events at once."""
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 1]
    settings.WEBHOOK_RETRY_JITTER = 0
    settings.WEBHOOK_SWEEP_GRACE = 0
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 2


@pytest.fixture
def partners(make_org):
    """A syndicate operated by oi-a, and an unrelated operator oi-b."""
    syn = make_org("syn-a")
    oi_a = make_org("oi-a", kind=OrganisationKind.OPERATOR)
    oi_b = make_org("oi-b", kind=OrganisationKind.OPERATOR)
    oi_a.syndicates.add(syn)
    return syn, oi_a, oi_b


def ticket(pk=42, **fields) -> dict:
    """A TMF621 trouble ticket as the incidents app emits it."""
    return {"troubleTicket": {"id": str(pk), "href": f"/tmf-api/troubleTicket/v4/troubleTicket/{pk}",
                              "severity": "critical", "status": "acknowledged", "ticketType": "damage",
                              "relatedEntity": [{"id": "CM-T1", "@referredType": "RouteSegment", "role": "damaged"}],
                              **fields}}


def wait_until(predicate, timeout: float = 30, message: str = "condition"):
    """Poll the database (committed state) until predicate() is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")
