"""Shared set-up of the complex connection tests: the small network with explicit thresholds."""
import pytest
from django.contrib.gis.geos import Point

from tests.builders import ORIGIN, build_small_network

THRESHOLDS = {
    "DROP_LENGTH_M": 100, "NO_ROUTE_DISTANCE_M": 50, "PRIVATE_WORKS_M": 30, "COLLECTIVE_MIN_HOUSING": 4,
    "POLE_SPAN_M": 40, "CHAMBER_SPACING_M": 100, "PTO_MATCH_M": 5, "ATTACHMENT_MAX_BYTES": 1024,
}
# With these thresholds the small network as built already has four cases: AD-2-2 and AD-3-2
# (private part 42.7 m > 30 m), AD-2-3 and AD-3-3 (61.8 m: also no route within 50 m).
BUILT_CASES = {"AD-2-2", "AD-2-3", "AD-3-2", "AD-3-3"}


def move(premises, dx, dy):
    """Put a premises at ORIGIN + (dx, dy) metres."""
    premises.geom = Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)
    premises.save(update_fields=["geom"])
    return premises


@pytest.fixture
def cc_thresholds(settings):
    """Explicit detection thresholds for the complex connection tests (independent of settings.py)."""
    settings.COMPLEX_CONNECTIONS = dict(THRESHOLDS)
    return settings.COMPLEX_CONNECTIONS


@pytest.fixture
def small(db, cc_thresholds):
    return build_small_network()


def cases_by_code(network) -> dict:
    from complex_connections.models import ComplexConnection

    return {c.premises.code: c for c in ComplexConnection.objects.filter(network=network).select_related("premises")}
