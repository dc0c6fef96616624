"""Expiry, network version change, flood-zone loading."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from resilience.models import Alert, ExposureRun, ExposureStatus, FloodZone, Lifecycle
from resilience.services.exposure import refresh_alert, stale_runs
from resilience.services.ingest import ingest_payload
from resilience.tasks import expire_alerts, refresh_stale_exposures
from tests.builders import build_small_network
from webhooks.models import OutboxEvent

from .capdocs import cap

pytestmark = pytest.mark.django_db


def test_expiry_ends_the_alert():
    alert = ingest_payload(cap(), "cap").alerts[0]
    Alert.objects.filter(pk=alert.pk).update(expires=timezone.now() - timedelta(minutes=1))
    assert not Alert.objects.active().exists()
    assert expire_alerts() == 1
    alert.refresh_from_db()
    assert alert.lifecycle == Lifecycle.EXPIRED
    assert OutboxEvent.objects.filter(event_type="alert.cancelled", subject=f"alert:{alert.pk}").exists()
    assert expire_alerts() == 0


def test_network_version_change_makes_the_run_stale_and_recomputed():
    net = build_small_network()
    alert = ingest_payload(cap(), "cap").alerts[0]
    [run] = refresh_alert(alert)
    assert not stale_runs().exists()
    net.network.bump_version()
    assert list(stale_runs()) == [run]
    assert refresh_stale_exposures() == 1
    current = ExposureRun.objects.get(alert=alert, status=ExposureStatus.CURRENT)
    assert current.pk != run.pk and current.network_version == net.network.version


def test_load_floodzones_from_geojson(capsys):
    path = Path(__file__).parent / "fixtures" / "floodzones" / "pprn_scie_perimetre.geojson"
    call_command("load_floodzones", str(path), "--dataset", "PPRN 76DDTM20120001", "--hazard", "coastal_submersion")
    assert capsys.readouterr().out.strip() == "1"
    zone = FloodZone.objects.get()
    assert zone.geom.srid == 2154 and zone.properties["codeproced"] == "76DDTM20120001"
    # the Scie valley (Seine-Maritime, 76), in Lambert-93 metres
    assert 500000 < zone.geom.centroid.x < 600000 and 6900000 < zone.geom.centroid.y < 6990000
