"""replay_storm: the shipped ciaran-2023 scenario on a generated Breton network, to the end."""
import io
import json
from datetime import datetime, timezone

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from incidents.models import Crisis, TroubleTicket
from network.models import Network
from organisations.models import OrganisationKind
from resilience.models import Alert, Lifecycle
from resilience.services.graph import graph_cache
from resilience.services.ingest import ingest_payload
from restoration.models import DamageReport
from restoration.services.plan import restoration_outlook

pytestmark = pytest.mark.django_db


@pytest.fixture
def breton(make_org):
    graph_cache.clear()
    make_org("rp-syn", kind=OrganisationKind.SYNDICATE)
    make_org("rp-oi", kind=OrganisationKind.OPERATOR)
    call_command("generate_rip", network="rp", departement="29", premises=3000, seed=7, owner="rp-syn",
                 operator="rp-oi", verbosity=0)
    # fresh planner statistics for the rows generated inside the test's transaction (ANALYZE counts
    # them): an ANALYZE run by an earlier test on near-empty tables makes PostGIS joins crawl
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE network_routesegment, network_supportpoint, network_site, network_premises, network_node")
    return Network.objects.get(slug="rp")


def test_replay_ciaran_runs_to_the_end(breton):
    out = io.StringIO()
    call_command("replay_storm", "ciaran-2023", network="rp", speed=0, stdout=out)
    lines = out.getvalue().strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["scenario"] == "ciaran-2023" and summary["events"] == 14 and len(lines) == 15
    # historic alerts: ended, with the storm's own times
    red = Alert.objects.get(pk=summary["alerts"][1])
    assert (red.level, red.lifecycle) == (4, Lifecycle.ENDED)
    assert red.onset == datetime(2023, 11, 1, 21, tzinfo=timezone.utc)
    assert red.details["properties"]["gust_kmh"] == 180
    crisis = Crisis.objects.get(pk=summary["crisis"])
    assert crisis.closed_at is not None and set(crisis.alert_ids) == set(summary["alerts"])
    # damage reports were filed, all triaged into tickets, all resolved at the end
    assert summary["tickets"] > 0 and DamageReport.objects.filter(network=breton, status="new").count() == 0
    assert DamageReport.objects.filter(network=breton, status="ticketed").count() >= summary["tickets"]
    tickets = TroubleTicket.objects.filter(network=breton)
    assert tickets.count() == summary["tickets"] and not tickets.exclude(status="resolved").exists()
    assert summary["premises_cut_at_start"] > 0 and summary["premises_without_service_at_end"] == 0
    # the after-action curve: actual premises without service rise, then fall back to zero
    outlook = restoration_outlook(crisis)
    actual = [p["premises_without_service_actual"] for p in outlook["curve"] if p["premises_without_service_actual"] is not None]
    assert max(actual) > 0 and actual[-1] == 0


def test_replay_refuses_unknown_scenarios_and_networks(breton):
    with pytest.raises(CommandError, match="unknown scenario"):
        call_command("replay_storm", "no-such-storm", network="rp", speed=0)
    with pytest.raises(CommandError, match="unknown network"):
        call_command("replay_storm", "ciaran-2023", network="nope", speed=0)


def test_historic_ingestion_keeps_an_expired_alert_as_ended():
    doc = {"type": "Feature", "geometry": None,
           "properties": {"hazard": "wind", "level": 4, "departement": "29", "identifier": "old",
                          "onset": "2023-11-01T21:00:00+00:00", "expires": "2023-11-02T09:00:00+00:00"}}
    payload = json.dumps(doc).encode()
    from resilience.services.ingest import IngestError
    from django.test import override_settings

    with override_settings(ALERTS_REFUSE_EXPIRED=True):
        with pytest.raises(IngestError):
            ingest_payload(payload, "geojson")
        alert = ingest_payload(payload, "geojson", historic=True).alerts[0]
    assert alert.lifecycle == Lifecycle.ENDED and alert.ended_at == datetime(2023, 11, 2, 9, tzinfo=timezone.utc)
