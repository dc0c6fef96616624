"""The permission matrix of every /api/v1/ endpoint outside incidents (tests/incidents has its
own, on the same helper): role × own/other organisation × endpoint, through tests/permission_matrix.py."""
import json
import os

import pytest

from complex_connections.models import ComplexConnection
from complex_connections.services.detect import detect_complex_connections
from resilience.services.ingest import ingest_payload
from tests.builders import build_small_network
from tests.complex_connections.complex_connections_helpers import THRESHOLDS
from tests.permission_matrix import (
    AGGREGATE_ONLY, WRITERS, Endpoint, aggregate, check, detail, everyone, matrix, only, roles, write,
)

pytestmark = pytest.mark.django_db
CC = "/api/v1/complex-connections"
RING = [[-4.2, 47.9], [-4.0, 47.9], [-4.0, 48.1], [-4.2, 47.9]]


@pytest.fixture
def world(settings, tmp_path):
    settings.COMPLEX_CONNECTIONS = dict(THRESHOLDS)
    settings.MEDIA_ROOT = tmp_path
    net, other = build_small_network("net-a", "syn-a", "oi-a"), build_small_network("net-b", "syn-b", "oi-b")
    detect_complex_connections(net.network)
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]},
               "properties": {"hazard": "wind", "level": 3, "network": "net-a"}}
    alert = ingest_payload(json.dumps(feature).encode(), "geojson", organisation=net.network.owner,
                           network=net.network, allow_expired=True).alerts[0]
    case = ComplexConnection.objects.filter(network=net.network).order_by("pk").first()
    return {"net": net, "other": other, "case": case.pk, "alert": alert.pk}


AUDIT_READERS = {"auditor": 200, "admin": 200}

ENDPOINTS = [
    # organisations
    Endpoint("me", lambda c, w: c.get("/api/v1/me/"), everyone(200)),
    Endpoint("organisations", lambda c, w: c.get("/api/v1/organisations/"), everyone(200)),
    Endpoint("audit", lambda c, w: c.get("/api/v1/audit/"), roles(AUDIT_READERS, 403)),
    # network
    Endpoint("networks", lambda c, w: c.get("/api/v1/networks/"), everyone(200)),
    Endpoint("network_get", lambda c, w: c.get("/api/v1/networks/net-a/"), aggregate(200, 404)),
    # layers are detail: elected officials of the network's organisations 403, anybody else 404
    Endpoint("layer_sites", lambda c, w: c.get("/api/v1/network/sites/?network=net-a"),
             roles({"elected_official": (403, 404)}, (200, 404))),
    Endpoint("imports", lambda c, w: c.get("/api/v1/imports/"), everyone(200)),
    # resilience
    Endpoint("alerts", lambda c, w: c.get("/api/v1/alerts/"), everyone(200)),
    # a manual alert is its author organisation's (Alert.scope_q); public ones are everyone's
    Endpoint("alert_get", lambda c, w: c.get(f"/api/v1/alerts/{w['alert']}/"), only({"syn-a"})),
    Endpoint("impact", lambda c, w: c.post("/api/v1/impact/", {"network": "net-a", "supports": ["PT-A1"]}, format="json"),
             detail(200, 404)),
    # complex connections
    Endpoint("cc_list", lambda c, w: c.get(f"{CC}/?network=net-a"), detail(200, 200)),
    Endpoint("cc_get", lambda c, w: c.get(f"{CC}/{w['case']}/"), detail(200, 404)),
    Endpoint("cc_totals", lambda c, w: c.get(f"{CC}/totals/?network=net-a"), everyone(200)),
    Endpoint("cc_note", lambda c, w: c.post(f"{CC}/{w['case']}/notes/", {"text": "vu"}, format="json"),
             write(201, 404)),
    Endpoint("cc_transition", lambda c, w: c.post(f"{CC}/{w['case']}/transition/", {"status": "surveyed"}, format="json"),
             write(200, 404)),
    # webhooks
    # subscriptions are managed by the roles that write (webhooks/api/views.py)
    Endpoint("subscriptions", lambda c, w: c.get("/api/v1/webhooks/subscriptions/"),
             roles(dict.fromkeys(WRITERS, 200), 403)),
    Endpoint("event_types", lambda c, w: c.get("/api/v1/webhooks/subscriptions/event-types/"), everyone(200)),
    # power (lists scoped to the caller's networks)
    Endpoint("power_outages", lambda c, w: c.get("/api/v1/power-outages/"), everyone(200)),
    # detail of the network's active sites: elected officials of its organisations 403, anybody else 404
    Endpoint("network_power", lambda c, w: c.get("/api/v1/networks/net-a/power/"),
             roles({"elected_official": (403, 404)}, (200, 404))),
    # restoration (lists scoped to the caller's networks and organisation)
    Endpoint("damage_reports", lambda c, w: c.get("/api/v1/damage-reports/"), everyone(200)),
    Endpoint("crews", lambda c, w: c.get("/api/v1/crews/"), everyone(200)),
]


@matrix
def test_permission_matrix(world, token_client, org_slug, own, role):
    if os.environ.get("MATRIX_DUMP"):  # print the observed row instead (to review a change)
        from organisations.models import Organisation

        client, _ = token_client(Organisation.objects.get(slug=org_slug), role)
        print(role, org_slug, {e.name: e.call(client, world).status_code for e in ENDPOINTS})
        return
    check(ENDPOINTS, world, token_client, org_slug, role)


def test_the_matrix_covers_every_listed_endpoint():
    """Each entry of the API root is exercised by one of the two matrices (this one, incidents')."""
    from config.api_root import root_endpoints

    incidents = {"crises", "crisis-log", "contacts", "on-call-periods"}
    layers = {name for name, _url in root_endpoints() if name.startswith("network/")}
    covered = {"me", "organisations", "audit", "networks", "imports", "alerts", "impact", "complex-connections",
               "webhooks", "power-outages", "damage-reports", "crews"} | incidents | layers
    assert {name for name, _url in root_endpoints()} - covered == set()
    assert AGGREGATE_ONLY == {"elected_official"}
