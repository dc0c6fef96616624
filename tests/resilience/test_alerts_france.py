"""Alerts for every département (issue 14): NUTS3 geocodes, cyclone levels beyond red, historic
messages, Vigicrues reaches with geometry from a reach feed served by a real local HTTP server."""
import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from network.models import Departement
from resilience.models import Alert, ExposureRun, FloodReach, Level, Lifecycle, VulnerabilityRule
from resilience.services.exposure import DEFAULT_MATRIX, matrix_for
from resilience.services.ingest import IngestError, ingest_payload
from resilience.services.ingest.cap import NUTS3_DEPARTEMENTS
from resilience.services.reaches import load_reaches
from tests.builders import build_small_network

from .capdocs import area, cap, info

FIXTURES = Path(__file__).parent / "fixtures"
NXFR33 = FIXTURES / "vigilance" / "NXFR33_LFPW_.xml"
REACHES = FIXTURES / "crafted" / "vigicrues_reaches.geojson"
LYS = FIXTURES / "vigicrues" / "InfoVigiCru_CdEntVigiCru1_detail.json"


@pytest.mark.django_db
def test_nuts3_table_covers_every_departement():
    assert set(NUTS3_DEPARTEMENTS.values()) == set(Departement.objects.values_list("code", flat=True))
    assert len(set(NUTS3_DEPARTEMENTS.values())) == 101


@pytest.mark.django_db
@pytest.mark.parametrize("name,value,dep", [
    ("NUTS3", "FRY40", "974"), ("NUTS3", "FRY10", "971"), ("NUTS3", "FRB01", "18"), ("NUTS3", "FR241", "18"),
    ("NUTS3", "FRM02", "2B"), ("EMMA_ID", "FR056", "56"), ("EMMA_ID", "FR976", "976"), ("DEPARTEMENT", "973", "973"),
])
def test_meteo_france_geocodes_resolve_for_any_departement(name, value, dep):
    doc = cap(f"MF-{value}", infos=[info(areas=[area(desc="zone", geocodes=[(name, value)])])])
    [alert] = ingest_payload(doc, "cap").alerts
    assert list(alert.departements.values_list("code", flat=True)) == [dep]
    assert alert.area is not None and alert.area.intersects(Departement.objects.get(code=dep).geom.point_on_surface)


@pytest.mark.django_db
def test_cyclone_violet_and_grey_levels():
    violet = cap("MF-CYCLONE-974-V", infos=[info(event="Cyclone", level="5; violet; Extreme", awareness="1; Wind",
                                                  areas=[area(desc="La Réunion", geocodes=[("NUTS3", "FRY40")])])])
    [alert] = ingest_payload(violet, "cap").alerts
    assert alert.level == Level.VIOLET == 5 and alert.get_level_display().startswith("Violet")
    grey = cap("MF-CYCLONE-974-G", infos=[info(event="Cyclone", level="gris", awareness="1; Wind",
                                                areas=[area(desc="La Réunion", geocodes=[("NUTS3", "FRY40")])])])
    [after] = ingest_payload(grey, "cap").alerts
    assert after.level == Level.GREY == 6
    # vulnerability defaults beyond red: shipped rows (migration) equal to the code's defaults
    assert matrix_for("wind", 5)["aerial_telecom"] == DEFAULT_MATRIX["wind"]["aerial_telecom"][5] == 0.45
    assert VulnerabilityRule.objects.filter(hazard="wind", asset_class="aerial_telecom", level=6).get().probability == 0.30
    with pytest.raises(IngestError):
        ingest_payload(cap("MF-BAD", infos=[info(level="7; ultra")]), "cap")


@pytest.mark.django_db
def test_vigilance_json_overseas_cyclone_colour():
    doc = json.loads((FIXTURES / "vigilance" / "warning_full_13.json").read_bytes())
    doc["domain_id"] = "974"
    doc["end_validity_time"] = int((timezone.now() + timedelta(hours=6)).timestamp())
    doc.pop("phenomenons_max_colors", None)
    doc["phenomenons_items"] = [{"phenomenon_id": 10, "phenomenon_max_color_id": 5}]
    doc["timelaps"] = []
    [alert] = ingest_payload(json.dumps(doc).encode(), "vigilance").alerts
    assert (alert.level, alert.hazard, list(alert.departements.values_list("code", flat=True))) == (5, "wind", ["974"])
    assert "violet" in alert.headline and "cyclone" in alert.headline


@pytest.mark.django_db
def test_historic_message_is_stored_ended_with_its_times_and_no_exposure():
    with pytest.raises(IngestError, match="expirée"):
        ingest_payload(NXFR33.read_bytes(), "vigilance", allow_expired=False)  # live: refused as expired
    out = io.StringIO()
    call_command("ingest_alert", str(NXFR33), "--historic", stdout=out)
    ids = [int(x) for x in out.getvalue().split()]
    alerts = list(Alert.objects.filter(pk__in=ids))
    assert alerts and all(a.lifecycle == Lifecycle.ENDED and a.ended_at == a.expires for a in alerts)
    assert all(a.expires.year == 2018 and a.details.get("historic") for a in alerts)
    assert not ExposureRun.objects.filter(alert__in=alerts).exists()


@pytest.mark.django_db
def test_historic_does_not_end_live_alerts():
    live = cap("LIVE-1")
    [active] = ingest_payload(live, "cap").alerts
    doc = json.loads((FIXTURES / "vigilance" / "warning_full_13.json").read_bytes())  # all green: ends nothing
    with pytest.raises(IngestError, match="historique"):
        ingest_payload(json.dumps(doc).encode(), "vigilance", historic=True)
    active.refresh_from_db()
    assert active.lifecycle == Lifecycle.ACTIVE


@pytest.mark.django_db
def test_historic_api_and_exposure_on_request(token_client):
    net = build_small_network()
    client, _token = token_client(net.network.owner)
    past = (timezone.now() - timedelta(days=30)).isoformat()
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
        [-4.2, 47.9], [-4.0, 47.9], [-4.0, 48.1], [-4.2, 48.1], [-4.2, 47.9]]]},
        "properties": {"hazard": "wind", "level": 4, "network": net.network.slug, "expires": past}}
    refused = client.post("/api/v1/alerts/", feature, format="json")
    assert refused.status_code == 400 and "expir" in refused.json()["errors"][0]["reason"]
    response = client.post("/api/v1/alerts/?historic=1", feature, format="json")
    assert response.status_code == 201, response.json()
    alert_id = response.json()["alerts"][0]
    alert = Alert.objects.get(pk=alert_id)
    assert alert.lifecycle == Lifecycle.ENDED and alert.ended_at == alert.expires
    assert client.get(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}").status_code == 404
    computed = client.post(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}")
    assert computed.status_code == 200, computed.json()
    assert computed.json()["totals"]["segments"] > 0
    out = io.StringIO()
    call_command("compute_exposure", str(alert_id), stdout=out)
    assert f"{net.network.slug}: segments=" in out.getvalue()
    with pytest.raises(CommandError, match="inconnue"):
        call_command("compute_exposure", "999999")


class ReachServer:
    def __init__(self, body: bytes):
        self.body, self.requests = body, 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/1/TronEntVigiCru.geojson"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.django_db
@pytest.mark.integration
def test_vigicrues_reach_feed_and_reach_alert(settings):
    with ReachServer(REACHES.read_bytes()) as server:
        settings.VIGICRUES_REACH_FEED_URL = server.url
        assert load_reaches() == {"created": 2, "updated": 0, "pruned": 0}
        assert load_reaches()["updated"] == 2  # idempotent upsert
        assert server.requests == 2
    lys = FloodReach.objects.get(code="AP14")
    assert lys.name == "Lys plaine" and 30_000 < lys.geom.length < 40_000  # metres, Lambert-93
    # before the reaches were known, this bulletin was refused (no geometry): now it places the reach
    result = ingest_payload(LYS.read_bytes(), "vigicrues", historic=True)
    [alert] = [a for a in result.alerts if a.details.get("reach") == "AP14"]
    assert alert.level == 2 and alert.hazard == "river_flood" and alert.lifecycle == Lifecycle.ENDED
    assert set(alert.departements.values_list("code", flat=True)) <= {"59", "62"}
    # the documented buffer: 500 m either side of the line, far smaller than the département
    assert alert.area.area == pytest.approx(lys.geom.length * 2 * 500, rel=0.05)
    assert alert.area.area < Departement.objects.get(code="59").geom.area / 50


@pytest.mark.django_db
def test_reach_feed_refusals(tmp_path):
    from resilience.services.reaches import ReachFeedError

    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                   '"geometry": {"type": "Point", "coordinates": [2, 50]}}]}')
    with pytest.raises(ReachFeedError, match="code"):
        load_reaches(str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_vigicrues_reaches", str(tmp_path / "missing.geojson"))


@pytest.mark.django_db
def test_national_vigilance_map_of_the_public_api():
    """The DPVigilance `cartevigilance/encours` layout (crafted after the API's documentation)."""
    end = (timezone.now() + timedelta(hours=12)).isoformat()
    doc = {"product": {"warning_type": "vigilance", "update_time": timezone.now().isoformat(), "domain_id": "FRA",
                       "periods": [
        {"echeance": "J1", "end_validity_time": end, "timelaps": {"domain_ids": []}},
        {"echeance": "J", "begin_validity_time": timezone.now().isoformat(), "end_validity_time": end,
         "timelaps": {"domain_ids": [
             {"domain_id": "FRA", "max_color_id": 3, "phenomenon_items": []},
             {"domain_id": "56", "max_color_id": 3, "phenomenon_items": [
                 {"phenomenon_id": "1", "phenomenon_max_color_id": 3,
                  "timelaps_items": [{"begin_time": timezone.now().isoformat(), "color_id": 3}]},
                 {"phenomenon_id": "2", "phenomenon_max_color_id": 1, "timelaps_items": []}]},
             {"domain_id": "974", "max_color_id": 6, "phenomenon_items": [
                 {"phenomenon_id": "10", "phenomenon_max_color_id": 6, "timelaps_items": []}]}]}}]}}
    result = ingest_payload(json.dumps(doc).encode(), None)
    got = sorted((list(a.departements.values_list("code", flat=True)), a.hazard, a.level) for a in result.alerts)
    assert got == [(["56"], "wind", 3), (["974"], "wind", 6)]
