"""Exposure outputs: the paged GeoJSON of the endpoint, the `exposure` vector tiles (decoded with
mapbox-vector-tile, scoping) and the warm_graph task on the real worker."""
import mapbox_vector_tile
import pytest

from organisations.models import OrganisationKind
from resilience.services.exposure import refresh_alert
from resilience.services.graph import graph_cache
from resilience.services.ingest import ingest_payload
from tests.builders import build_small_network
from tests.network.layer_helpers import origin_wgs84, tile_of

from .capdocs import cap, info

MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture
def exposed(db):
    net = build_small_network()
    # orange snow-ice over the north-east (test_alerts_exposure): flat matrix probabilities, easy to order by hand
    alert = ingest_payload(cap(infos=[info(event="Neige", awareness="2; snow-ice")]), "cap").alerts[0]
    [run] = refresh_alert(alert)
    return net, alert, run


def test_exposure_links_its_paged_assets_wgs84_ordered(exposed, token_client):
    net, alert, run = exposed
    client, _ = token_client(net.network.owner)
    body = client.get(f"/api/v1/alerts/{alert.pk}/exposure/", {"network": "net-a"}).json()
    assert set(body["assets"]) == {"count", "href", "ready"} and body["assets"]["count"] == 9  # no inline list
    assert body["assets"]["ready"] is True
    assert "communes" not in body["impact"]  # merged into per_commune
    assert "premisesCodes" not in body["impact"] and "failedSegments" not in body["impact"]
    first = client.get(body["assets"]["href"] + "&page_size=4").json()
    assert first["count"] == 9 and first["next"] and first["previous"] is None
    # by kind (the index's order: enclosures, segments, sites, supports), then most probable first
    kinds = [f["properties"]["kind"] for f in first["features"]]
    assert kinds == sorted(kinds) and kinds[0] == "enclosures"
    segments = client.get(body["assets"]["href"] + "&kind=segments").json()
    # no site exposed to snow; CM-D1b .10, then .08 by code
    assert [f["properties"]["code"] for f in segments["features"]] == ["CM-D1b", "CM-D1a", "CM-T1", "CM-D2"]
    lon, lat = segments["features"][0]["geometry"]["coordinates"][0]
    assert -4.2 < lon < -4.0 and 47.9 < lat < 48.1  # Quimper, WGS84
    second = client.get(first["next"]).json()
    assert len(second["features"]) == 4 and second["previous"]
    last = client.get(body["assets"]["href"].replace("page=1", "page=3") + "&page_size=4").json()
    assert [f["properties"]["kind"] for f in last["features"]] == ["supports"] and last["next"] is None
    inline = client.get(f"/api/v1/alerts/{alert.pk}/exposure/", {"network": "net-a", "inline_assets": "1"}).json()
    assert len(inline["assets"]["features"]) == 9  # the opt-in
    assert body["per_commune"][0]["premises_cut"] == 6 and body["impact"]["expected"]["premises"] > 1.5
    bad = client.get(body["assets"]["href"] + "&kind=poles")
    assert bad.status_code == 400


def test_exposed_assets_go_with_their_run(exposed):
    from resilience.models import ExposedAsset
    from resilience.services.exposure import refresh_alert as again

    net, alert, run = exposed
    assert run.exposed_assets.count() == 9
    [newer] = again(alert)
    assert not ExposedAsset.objects.filter(run=run).exists() and newer.exposed_assets.count() == 9
    newer.delete()
    assert not ExposedAsset.objects.exists()


def tile_codes(client, alert, layer, zoom=14):
    z, x, y = tile_of(*origin_wgs84(500, -300), zoom)
    found = {}
    for tx in (x - 1, x, x + 1):
        for ty in (y - 1, y, y + 1):
            response = client.get(f"/tiles/exposure/{z}/{tx}/{ty}.pbf", {"network": "net-a", "alert": alert.pk})
            if response.status_code == 200:
                assert response["Content-Type"] == MVT
                for f in mapbox_vector_tile.decode(response.content).get(layer, {"features": []})["features"]:
                    found[f["properties"]["code"]] = f["properties"]["probability"]
            else:
                assert response.status_code == 204
    return found


def test_exposure_tiles_carry_the_probability_and_are_scoped(exposed, token_client, make_org):
    net, alert, _run = exposed
    client, _ = token_client(net.network.operator, "operator_agent")
    assert tile_codes(client, alert, "exposure_segments") == pytest.approx(
        {"CM-T1": 0.08, "CM-D1a": 0.08, "CM-D1b": 0.10, "CM-D2": 0.03})
    assert tile_codes(client, alert, "exposure_supports") == pytest.approx({"PT-A1": 0.08, "PT-PBO1": 0.08, "PT-PBO2": 0.03})
    assert tile_codes(client, alert, "exposure_supports", zoom=12) == {}  # supports from z13
    tilejson = client.get("/tiles/exposure.json", {"network": "net-a", "alert": alert.pk}).json()
    assert tilejson["tiles"][0].endswith(f"/tiles/exposure/{{z}}/{{x}}/{{y}}.pbf?network=net-a&alert={alert.pk}")
    assert {layer["id"] for layer in tilejson["vector_layers"]} == {"exposure_segments", "exposure_supports", "exposure_sites",
                                                                 "exposure_communes"}
    other, _ = token_client(make_org("oi-b", kind=OrganisationKind.OPERATOR), "operator_agent")
    z, x, y = tile_of(*origin_wgs84(500, -300), 14)
    assert other.get(f"/tiles/exposure/{z}/{x}/{y}.pbf", {"network": "net-a", "alert": alert.pk}).status_code == 404
    assert client.get(f"/tiles/exposure/{z}/{x}/{y}.pbf", {"network": "net-a", "alert": 999999}).status_code == 404
    missing = client.get(f"/tiles/exposure/{z}/{x}/{y}.pbf", {"network": "net-a"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["path"] == "alert"


def test_warm_graph_task_builds_once_per_version(transactional_db, celery_worker):
    from resilience.tasks import warm_graph

    net = build_small_network()
    graph_cache.clear()
    first = warm_graph.delay(net.network.pk).get(timeout=30)
    assert first["built"] is True and first["version"] == net.network.version
    assert warm_graph.delay(net.network.pk).get(timeout=30)["built"] is False  # warm: nothing rebuilt
    net.network.bump_version()
    again = warm_graph.delay(net.network.pk).get(timeout=30)
    assert again["built"] is True and again["version"] == net.network.version


def test_commune_points_below_z12_carry_the_run_figures(exposed, token_client):
    """Below z12 the exposure tile is aggregated: one point per commune with the run's figures."""
    net, alert, run = exposed
    client, _ = token_client(net.network.owner)
    z, x, y = tile_of(*origin_wgs84(500, -300), 10)
    found = {}
    for tx in (x - 1, x, x + 1):
        for ty in (y - 1, y, y + 1):
            response = client.get(f"/tiles/exposure/{z}/{tx}/{ty}.pbf", {"network": "net-a", "alert": alert.pk})
            if response.status_code == 200:
                layers = mapbox_vector_tile.decode(response.content)
                assert "exposure_segments" not in layers  # no asset one by one below z12
                for f in layers.get("exposure_communes", {"features": []})["features"]:
                    found[f["properties"]["insee"]] = f["properties"]
    expected = {row["insee"]: row for row in run.per_commune if row["insee"]}
    assert found and set(found) <= set(expected)
    for insee, props in found.items():
        assert props["segments"] == expected[insee]["segments"]
        assert props["premises_cut"] == expected[insee]["premises_cut"]


@pytest.mark.django_db(transaction=True)
def test_alert_posted_through_the_api_is_visible_with_its_paged_assets(transactional_db, celery_worker, token_client):
    """The crisis path end to end with the real worker: POST the alert, poll the exposure until
    it answers 200, then its asset list is ready and paged (benchmarks/crisis.py times this)."""
    import json
    import time

    net = build_small_network()
    client, _ = token_client(net.network.owner, "operator_agent")
    ring = [list(origin_wgs84(dx, dy)) for dx, dy in ((-5000, -5000), (5000, -5000), (5000, 5000), (-5000, 5000), (-5000, -5000))]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"hazard": "snow_ice", "level": 2, "network": "net-a", "headline": "test"}}
    posted = client.post("/api/v1/alerts/", data=json.dumps(feature), content_type="application/geo+json")
    assert posted.status_code == 201, posted.content
    alert_id = posted.json()["alert"]["id"]
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/api/v1/alerts/{alert_id}/exposure/", {"network": "net-a"})
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        assert response.status_code == 202  # pending while the worker computes
        time.sleep(0.2)
    body = response.json()
    assert response.status_code == 200 and body["assets"]["count"] == body["totals"]["segments"] + body["totals"][
        "supports"] + body["totals"]["sites"] + body["totals"]["enclosures"] > 0
    while not body["assets"]["ready"] and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get(f"/api/v1/alerts/{alert_id}/exposure/", {"network": "net-a"}).json()
    assert body["impact"]["ready"] is True and "premises_cut" in body["totals"]  # the impact comes before the list
    page = client.get(body["assets"]["href"]).json()
    assert page["count"] == body["assets"]["count"] and len(page["features"]) == page["count"]
    assert "features" not in body["assets"] and len(response.content) < 20_000  # figures, not the list


def test_a_run_whose_asset_copy_was_lost_is_swept_again(exposed):
    """A worker killed between run_exposure's two transactions leaves a current run without its
    ExposedAsset rows: past the grace delay the sweeper picks its alert up again."""
    from datetime import timedelta

    from django.utils import timezone

    from resilience.models import Alert
    from resilience.services.exposure_sweep import alerts_missing_exposure

    net, alert, run = exposed
    later = timezone.now() + timedelta(minutes=5)
    Alert.objects.filter(pk=alert.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert alert.pk not in [a.pk for a in alerts_missing_exposure(later)]
    run.exposed_assets.all().delete()  # the second transaction never committed
    assert [a.pk for a in alerts_missing_exposure(later)] == [alert.pk]


def test_the_exposure_is_visible_before_its_impact_then_completed(db, token_client, monkeypatch):
    """run_exposure commits the exposure first (what the area covers) and the impact after: while
    the engine runs, the API answers the exposure with `impact.ready: false` and no premises cut;
    exposure.computed is emitted once, with the complete totals."""
    from resilience.services import exposure
    from webhooks.models import OutboxEvent

    net = build_small_network()
    client, _ = token_client(net.network.owner)
    seen = []
    engine = exposure.impact_of_exposure

    def observed(network, exposed_assets):
        alert_pk = exposure.ExposureRun.objects.get(network=network, status="current").alert_id
        body = client.get(f"/api/v1/alerts/{alert_pk}/exposure/", {"network": "net-a"}).json()
        seen.append(body)
        assert not OutboxEvent.objects.filter(event_type="exposure.computed").exists()
        return engine(network, exposed_assets)

    monkeypatch.setattr(exposure, "impact_of_exposure", observed)
    alert = ingest_payload(cap(infos=[info(event="Neige", awareness="2; snow-ice")]), "cap").alerts[0]
    [run] = refresh_alert(alert)
    [pending] = seen
    assert pending["impact"]["ready"] is False and pending["assets"]["ready"] is False
    assert pending["totals"]["segments"] == 4 and "premises_cut" not in pending["totals"]
    assert all("premises_cut" not in row for row in pending["per_commune"])
    done = client.get(f"/api/v1/alerts/{alert.pk}/exposure/", {"network": "net-a"}).json()
    assert done["impact"]["ready"] is True and done["assets"]["ready"] is True
    assert done["totals"]["premises_cut"] == 6 and done["per_commune"][0]["premises_cut"] == 6
    [event] = OutboxEvent.objects.filter(event_type="exposure.computed")
    assert event.payload["exposure"]["totals"]["premises_cut"] == 6


def test_a_run_whose_impact_failed_stays_visible_and_is_swept_again(db, monkeypatch):
    """The impact engine failing after the exposure's commit (a killed worker, a graph that cannot
    be loaded) leaves the run visible, marked pending, with no event: the sweeper recomputes it."""
    from datetime import timedelta

    from django.utils import timezone

    from resilience.models import Alert, ExposureRun
    from resilience.services import exposure
    from resilience.services.exposure_sweep import alerts_missing_exposure
    from webhooks.models import OutboxEvent

    build_small_network()

    def broken(network, exposed_assets):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(exposure, "impact_of_exposure", broken)
    alert = ingest_payload(cap(infos=[info(event="Neige", awareness="2; snow-ice")]), "cap").alerts[0]
    with pytest.raises(RuntimeError):
        refresh_alert(alert)
    run = ExposureRun.objects.get(alert=alert, status="current")
    assert run.impact == {"ready": False} and run.totals["segments"] == 4
    assert not OutboxEvent.objects.filter(event_type="exposure.computed").exists()
    later = timezone.now() + timedelta(minutes=5)
    Alert.objects.filter(pk=alert.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    ExposureRun.objects.filter(pk=run.pk).update(computed_at=timezone.now() - timedelta(minutes=5))
    assert [a.pk for a in alerts_missing_exposure(later)] == [alert.pk]
    monkeypatch.undo()
    [again] = refresh_alert(alert)
    assert exposure.impact_ready(again.impact) and alert.pk not in [a.pk for a in alerts_missing_exposure(later)]


def test_a_complete_runs_tiles_are_rendered_once_and_a_partial_run_never_cached(exposed, token_client):
    """A run's tiles are kept in the shared cache once its asset list is copied (the crisis cell's
    screens all draw the same storm); before the copy they are drawn each time, under another ETag."""
    from django.core.cache import cache

    from resilience.models import ExposedAsset
    from resilience.services.exposure_tiles import tile_cache_key

    net, alert, run = exposed
    client, _ = token_client(net.network.operator, "operator_agent")
    z, x, y = tile_of(*origin_wgs84(500, -300), 14)
    url, params = f"/tiles/exposure/{z}/{x}/{y}.pbf", {"network": "net-a", "alert": alert.pk}
    cache.delete(tile_cache_key(run, z, x, y))
    first = client.get(url, params)
    assert first.status_code == 200 and cache.get(tile_cache_key(run, z, x, y)) == first.content
    # the run is immutable: a second request reads the cache, not the table (changed behind its back here)
    ExposedAsset.objects.filter(run=run, code="CM-D1b").update(probability=0.5)
    second = client.get(url, params)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert client.get(url, params, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # a run whose asset list is not copied (yet, or lost): drawn from the table, not cached, its own ETag
    ExposedAsset.objects.filter(run=run).delete()
    cache.delete(tile_cache_key(run, z, x, y))
    partial = client.get(url, params)
    assert partial.status_code == 204 and partial["ETag"] != first["ETag"]
    assert cache.get(tile_cache_key(run, z, x, y)) is None
