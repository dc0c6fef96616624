"""All of France (issue 14): every commune and département shipped, former codes resolved, overseas
networks generated, imported and exported in their legal projection, with true lengths, tiles,
exposure per commune and complex connections as in mainland France."""
import io
import json

import mapbox_vector_tile
import pytest
from django.core.management import call_command
from django.db import connection

from network.models import Commune, Departement, FormerCommune, Network, Premises, RouteSegment, Territory
from network.services.boundaries import resolve_commune
from network.services.gracethd.exporter import export_network
from network.services.gracethd.importer import ImportRefused, import_network
from resilience.services.exposure import run_exposure
from resilience.services.ingest import ingest_payload

from .layer_helpers import tile_of



@pytest.fixture
def orgs(make_org):
    from organisations.models import OrganisationKind

    return make_org("syn-fr"), make_org("oi-fr", kind=OrganisationKind.OPERATOR)


def generate(slug, dep, premises=1500):
    call_command("generate_rip", network=slug, departement=dep, premises=premises, seed=7, owner="syn-fr",
                 operator="oi-fr", stdout=io.StringIO())
    return Network.objects.get(slug=slug)


@pytest.mark.django_db
def test_every_departement_and_commune_is_shipped_valid():
    assert Departement.objects.count() == 101
    assert Commune.objects.count() > 34_800
    for dep in ("56", "18", "2A", "971", "972", "973", "974", "976"):
        assert Commune.objects.filter(departement_id=dep).exists(), dep
    assert Commune.objects.filter(insee="18003").exists()  # the Cher commune of the issue
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM network_commune WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) OR ST_Area(geom) = 0")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_a_merged_commune_code_resolves_to_the_commune_nouvelle_with_a_warning():
    former = FormerCommune.objects.filter(commune__departement_id="50").select_related("commune").first()
    assert former is not None and not Commune.objects.filter(insee=former.insee).exists()
    commune, warning = resolve_commune(former.insee)
    assert commune == former.commune and former.insee in warning and "fusionnée" in warning
    assert resolve_commune("29232") == (Commune.objects.get(insee="29232"), "")


@pytest.mark.django_db
def test_load_boundaries_is_idempotent_and_loads_a_newer_release(tmp_path):
    out = io.StringIO()
    call_command("load_boundaries", stdout=out)
    assert "already up to date" in out.getvalue()
    # a newer release: commune 56001 absorbs 56002 (union of both geometries, 56002 resolves to it)
    a, b = Commune.objects.get(insee="56001"), Commune.objects.get(insee="56002")
    expected_area = a.geom.union(b.geom).area
    features = []
    for c in (a, b):
        geom = c.geom.transform(4326, clone=True)
        features.append({"type": "Feature", "properties": {"code": c.insee, "nom": c.name}, "geometry": json.loads(geom.json)})
    (tmp_path / "communes-56.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    current = [{"code": "56001", "nom": "Nouvelle-Commune", "type": "commune-actuelle", "anciensCodes": ["56002"]},
               {"code": "56002", "nom": b.name, "type": "commune-deleguee", "chefLieu": "56001"}]
    (tmp_path / "communes.json").write_text(json.dumps(current))
    out = io.StringIO()
    call_command("load_boundaries", communes=str(tmp_path), current=str(tmp_path / "communes.json"), stdout=out)
    assert "1 communes nouvelles" in out.getvalue()
    merged = Commune.objects.get(insee="56001")
    assert merged.name == "Nouvelle-Commune" and merged.geom.area == pytest.approx(expected_area, rel=0.01)
    assert not Commune.objects.filter(insee="56002").exists()
    assert resolve_commune("56002")[0] == merged


@pytest.mark.django_db
@pytest.mark.parametrize("dep", ["56", "974"])
def test_generate_rip_and_per_commune_exposure_name_communes_of_the_departement(orgs, dep):
    network = generate(f"rip-{dep}", dep)
    assert network.territory == (Territory.REUNION if dep == "974" else Territory.METROPOLE)
    feature = {"type": "Feature", "geometry": None, "properties": {
        "hazard": "wind", "level": 5 if dep == "974" else 4, "departement": dep, "identifier": f"storm-{dep}"}}
    [alert] = ingest_payload(json.dumps(feature).encode(), "geojson", network=network).alerts
    run = run_exposure(alert, network)
    # routes follow roads, which may cross a commune of the next département on the way
    assert run.per_commune and all(row["name"] for row in run.per_commune)
    inside = sum(row["segments"] for row in run.per_commune if row["insee"].startswith(dep))
    assert inside >= 0.9 * sum(row["segments"] for row in run.per_commune)
    names = dict(Commune.objects.values_list("insee", "name"))
    assert all(names[row["insee"]] == row["name"] for row in run.per_commune)


@pytest.mark.django_db
def test_overseas_lengths_are_true_metres_and_gracethd_round_trips_in_the_legal_projection(orgs, tmp_path):
    network = generate("rip-974", "974")
    with connection.cursor() as cursor:
        cursor.execute("""SELECT sum(length_m), sum(ST_Length(ST_Transform(geom, 2975))), sum(ST_Length(geom))
                          FROM network_routesegment WHERE network_id = %s""", [network.pk])
        stored, true_m, lambert = cursor.fetchone()
    assert stored == pytest.approx(true_m, rel=1e-4)
    assert lambert > 1.8 * true_m  # what Lambert-93 alone would have said in La Réunion
    export_network(network, tmp_path)
    assert "UTM_40S" in (tmp_path / "t_cheminement.prj").read_text()
    result = import_network(tmp_path, "rip-974-bis", owner="syn-fr")
    copy = result.network
    assert (copy.territory, copy.departement_id) == (Territory.REUNION, "974")
    with connection.cursor() as cursor:
        cursor.execute("""SELECT max(ST_Distance(a.geom, b.geom)), sum(abs(a.length_m - b.length_m))
                          FROM network_routesegment a JOIN network_routesegment b ON a.code = b.code
                          WHERE a.network_id = %s AND b.network_id = %s""", [network.pk, copy.pk])
        moved, length_diff = cursor.fetchone()
    assert moved < 0.01 and length_diff < 1
    # a Réunion delivery cannot go into a mainland network
    mainland = generate("rip-56", "56", premises=200)
    with pytest.raises(ImportRefused) as refused:
        import_network(tmp_path, mainland.slug)
    assert any("EPSG:2975" in f and "France métropolitaine" in f for f in refused.value.faults)


@pytest.mark.django_db
def test_overseas_tiles_and_complex_connections(orgs, token_client):
    network = generate("rip-974", "974")
    client, _ = token_client(network.owner)
    premises = Premises.objects.filter(network=network).order_by("code").first()
    point = premises.geom.transform(4326, clone=True)
    z, x, y = tile_of(point.x, point.y, 14)
    response = client.get(f"/tiles/premises/{z}/{x}/{y}.pbf", {"network": network.slug})
    assert response.status_code == 200
    assert mapbox_vector_tile.decode(response.content)["premises"]["features"]
    layer = client.get("/api/v1/network/routes/", {"network": network.slug,
                                                    "bbox": f"{point.x - 0.02},{point.y - 0.02},{point.x + 0.02},{point.y + 0.02}"})
    assert layer.status_code == 200 and layer.json()["features"]
    from complex_connections.services.detect import measure

    rows = [r for r in measure(network) if r.get("drop_m")]
    assert rows
    with connection.cursor() as cursor:  # drop lengths in true metres, not Lambert-93 units
        row = rows[0]
        cursor.execute("""SELECT ST_Distance(ST_Transform(p.geom, 2975), ST_Transform(e.geom, 2975))
                          FROM network_premises p JOIN network_enclosure e ON e.id = p.pbo_id WHERE p.id = %s""",
                       [row["premises_id"]])
        true_drop = cursor.fetchone()[0]
    assert row["drop_m"] == pytest.approx(true_drop, rel=0.02)


@pytest.mark.django_db
def test_reunion_demo(monkeypatch):
    from resilience.models import Alert

    monkeypatch.setenv("DEMO_DEPARTEMENT", "974")
    call_command("load_demo", "--if-empty", "--premises", "800", stdout=io.StringIO())
    net = Network.objects.get(slug="demo-974")
    assert (net.owner.slug, net.territory, net.departement_id) == ("syndicat-reunion", Territory.REUNION, "974")
    assert not Network.objects.filter(slug="demo-29").exists()
    assert RouteSegment.objects.filter(network=net).exists()
    storm = Alert.objects.get(identifier="demo-cyclone-saint-denis")
    assert (storm.level, storm.network_id) == (5, net.pk)
    out = io.StringIO()
    monkeypatch.delenv("DEMO_DEPARTEMENT")
    call_command("load_demo", "--if-empty", stdout=out)  # first run only, whatever the territory
    assert "already loaded" in out.getvalue() and not Network.objects.filter(slug="demo-29").exists()
