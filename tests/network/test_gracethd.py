"""GraceTHD v2 import and export: round trip, refusals with one line per fault, zip, no-op re-import."""
import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.db import connection
from pyogrio import raw

from core.models import AuditEvent
from network.models import Cable, CableRoute, Enclosure, Network, Node, Premises, RouteSegment
from network.services.gracethd import ImportRefused, export_network, import_network
from tests.builders import build_small_network

from .gracethd_helpers import assert_same_tables, read_tables

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args):
    """The real command line, against the test database (committed data: transactional test)."""
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test",
               DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def snapshot(network):
    """Everything an import writes, by code, to prove "nothing written"."""
    n = network.pk
    return (
        sorted(Node.objects.filter(network_id=n).values_list("code", "geom", "node_type")),
        sorted(RouteSegment.objects.filter(network_id=n).values_list("code", "laying_mode", "length_m", "node1__code")),
        sorted(Cable.objects.filter(network_id=n).values_list("code", "capacity", "role")),
        sorted(CableRoute.objects.filter(cable__network_id=n).values_list("cable__code", "position", "segment__code")),
        sorted(Premises.objects.filter(network_id=n).values_list("code", "pbo__code", "critical_category", "housing_units")),
        Network.objects.get(pk=n).version,
    )


def edit_csv(path: Path, edit):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    rows = edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows)


def edit_shp(path: Path, edit_row):
    """Rewrite a shapefile through GDAL, `edit_row(code, values: dict, geom) -> geom`."""
    meta, _f, geoms, values = raw.read(path)
    names = list(meta["fields"])
    geoms = list(shapely.from_wkb(geoms))
    for i in range(len(geoms)):
        row = {name: values[j][i] for j, name in enumerate(names)}
        geoms[i] = edit_row(row, geoms[i])
        for j, name in enumerate(names):
            values[j][i] = row[name]
    raw.write(str(path), np.array(shapely.to_wkb(geoms), dtype=object), values, names, geometry_type=meta["geometry_type"],
              crs="EPSG:2154", encoding="UTF-8", driver="ESRI Shapefile")


@pytest.fixture
def exported(db, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a", version="2")
    return small, tmp_path / "a"


def test_round_trip_export_import_export_identical(exported, tmp_path):
    small, first = exported
    result = import_network(first, "net-b", owner="syn-a", operator="oi-a")
    assert result.network_created and result.counts["premises"]["created"] == 9
    export_network(result.network, tmp_path / "b")
    assert_same_tables(read_tables(first), read_tables(tmp_path / "b"))
    # and the objects themselves came through: ordered routes, PBO served, critical sites, owners
    b = result.network
    route = list(CableRoute.objects.filter(cable__network=b, cable__code="CB-T3").values_list("segment__code", flat=True))
    assert route == ["CM-T3a", "CM-T3b"]
    assert Premises.objects.get(network=b, code="AD-2-1").pbo.code == "BP-PBO2"
    assert dict(Premises.objects.filter(network=b).exclude(critical_category="").values_list("code", "critical_category")) == {
        "AD-2-1": "hospital", "AD-3-1": "town_hall"}
    assert Enclosure.objects.get(network=b, code="BP-PBO3").support.code == "PT-PBO3"
    assert RouteSegment.objects.get(network=b, code="CM-D1b").laying_mode == "1"
    assert (b.owner.slug, b.operator.slug, b.departement_id) == ("syn-a", "oi-a", "29")
    assert AuditEvent.objects.get(object_id=str(b.pk), action="create").after["gracethd_import"]["premises"]["created"] == 9
    assert (first / "t_cheminement.prj").read_text() == (ROOT / "network/data/gracethd/lambert93.prj").read_text()


def test_reimport_is_a_no_op_and_a_change_bumps_the_version(exported):
    small, first = exported
    # the builder's premises have no SUF code: the first import gives them the exported one (SF-<ad_code>)
    first_import = import_network(first, "net-a")
    assert {k: c["updated"] for k, c in first_import.counts.items() if c["updated"]} == {"premises": 9}
    before = snapshot(small.network)
    result = import_network(first, "net-a")
    assert not result.changed
    assert all(c["created"] == c["updated"] == c["deleted"] == 0 for c in result.counts.values()), result.counts
    assert result.counts["node"]["unchanged"] == 9
    assert snapshot(small.network) == before

    edit_csv(first / "t_cable.csv", lambda rows: [
        r[:22] + ["144"] + r[23:] if r[0] == "CB-D1" else r for r in rows])
    result = import_network(first, "net-a")
    assert result.changed and result.counts["cable"]["updated"] == 1 and result.counts["cable"]["unchanged"] == 5
    assert Cable.objects.get(network=small.network, code="CB-D1").capacity == 144
    assert Network.objects.get(pk=small.network.pk).version == before[-1] + 1


def test_objects_absent_from_the_source_are_removed(exported):
    small, first = exported
    Node.objects.create(network=small.network, code="ND-EXTRA", geom=small.nodes["ND-NRO1"].geom)
    result = import_network(first, "net-a")
    assert result.counts["node"]["deleted"] == 1
    assert not Node.objects.filter(network=small.network, code="ND-EXTRA").exists()


def test_zip_input_with_a_top_folder(exported, tmp_path):
    _small, first = exported
    archive = tmp_path / "livrable.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(first.iterdir()):
            zf.write(p, f"LIVRABLE_GRACETHD/{p.name}")
    result = import_network(archive, "net-z", owner="syn-a")
    assert result.counts["premises"]["created"] == 9 and result.counts["route"]["created"] == 9


def test_geopackage_input(exported, tmp_path):
    _small, first = exported
    gpkg = tmp_path / "livrable.gpkg"
    import pyogrio
    for p in sorted(first.glob("*.shp")) + sorted(first.glob("*.csv")):
        kwargs = {"SEPARATOR": "SEMICOLON"} if p.suffix == ".csv" else {}
        meta, _f, geoms, values = raw.read(p, **kwargs)
        raw.write(str(gpkg), geoms if geoms is not None else None, values, list(meta["fields"]), layer=p.stem,
                  driver="GPKG", geometry_type=meta["geometry_type"], crs=meta["crs"], append=gpkg.exists())
    assert len(pyogrio.list_layers(gpkg)) == 14
    result = import_network(gpkg, "net-g", owner="syn-a")
    assert result.counts["cable"]["created"] == 6 and result.counts["premises"]["created"] == 9


def test_missing_projection_and_wrong_owner_kind_are_refused(exported):
    _small, first = exported
    (first / "t_noeud.prj").unlink()
    with pytest.raises(ImportRefused) as refused:
        import_network(first, "net-c", owner="oi-a")
    assert "t_noeud.shp:0: geom: projection absente (.prj manquant) : EPSG:2154 (Lambert-93) attendue" in refused.value.faults
    assert "--owner: oi-a est de type operator, syndicate attendu" in refused.value.faults
    assert not Network.objects.filter(slug="net-c").exists()


def test_unchainable_cable_route_is_reported_not_refused(exported):
    small, first = exported
    # CB-D1 runs SRO1 → PBO1 over D1a, D1b: also putting it in D3b's conduit breaks the chain
    edit_csv(first / "t_cab_cond.csv", lambda rows: rows + [["CB-D1", "CD-CM-D3b", "", "", "", "", ""]])
    result = import_network(first, "net-a")
    faults = [(f.rule, f.severity, f.line) for f in result.report]
    assert faults == [("cable.route_unchained", "major",
                       "t_cab_cond.csv:1: cc_cb_code: les cheminements du câble CB-D1 ne s'enchaînent pas "
                       "de ND-SRO1 à ND-PBO1 : câble écarté")]
    # the cable is left out of the service graph (an uncuttable edge otherwise), the others keep their routes
    assert not Cable.objects.filter(network=small.network, code="CB-D1").exists()
    assert CableRoute.objects.filter(cable__network=small.network, cable__code="CB-T3").count() == 2


def break_three_rows(directory: Path):
    """Unknown laying mode on CM-D2, invalid geometry on CM-T2, a cable in a conduit laid on a
    route segment that does not exist."""
    def edit(row, geom):
        if row["cm_code"] == "CM-D2":
            row["cm_typ_imp"] = "X"
        if row["cm_code"] == "CM-T2":
            x, y = geom.coords[0]
            geom = shapely.LineString([(x, y), (x, y)])
        return geom

    edit_shp(directory / "t_cheminement.shp", edit)
    edit_csv(directory / "t_conduite.csv", lambda rows: rows + [["CD-CM-NOPE"] + [""] * 17 + ["NC"] + [""] * 12])
    edit_csv(directory / "t_cond_chem.csv", lambda rows: rows + [["CD-CM-NOPE", "CM-NOPE", "", "", "", "", ""]])
    edit_csv(directory / "t_cab_cond.csv", lambda rows: rows + [["CB-T1", "CD-CM-NOPE", "", "", "", "", ""]])


def test_cli_imports_three_broken_rows_with_a_report(transactional_db, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a", version="2")
    break_three_rows(tmp_path / "a")
    done = _cli("import_gracethd", str(tmp_path / "a"), "--network", "net-new", "--owner", "syn-a",
                "--report", str(tmp_path / "report.geojson"))
    assert done.returncode == 0, done.stderr
    assert "report: 5 fault(s): 5 major, 0 minor" in done.stdout, done.stdout
    features = json.loads((tmp_path / "report.geojson").read_text())["features"]
    lines = [(f["properties"]["rule"], f["properties"]["table"], f["properties"]["row"], f["properties"]["field"])
             for f in features]
    assert lines[:3] == [("code.unknown_required", "t_cheminement.shp", 3, "cm_typ_imp"),
                         ("geom.invalid", "t_cheminement.shp", 7, "geom"),
                         ("fk.dangling", "t_cond_chem.csv", 10, "dm_cm_code")]
    # the cables laid on the two segments left out say so (CM-D2, CM-T2)
    assert sorted(f["properties"]["code"] for f in features[3:] if f["properties"]["rule"] == "cable.route_incomplete") == [
        "CB-D2", "CB-T2"]
    assert features[1]["geometry"]["type"] == "LineString"  # the fault is located, in WGS 84
    assert -5 < features[1]["geometry"]["coordinates"][0][0] < 0
    net = Network.objects.get(slug="net-new")
    # the broken segments are left out, the rest of the network is there
    assert not RouteSegment.objects.filter(network=net, code__in=["CM-D2", "CM-T2"]).exists()
    assert Premises.objects.filter(network=net).count() == 9


def test_cli_refuses_a_duplicate_code_and_writes_nothing(transactional_db, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a", version="2")
    before = snapshot(small.network)
    edit_csv(tmp_path / "a" / "t_ptech.csv", lambda rows: rows + [rows[1][:-1] + ["autre"]])
    for network in ("net-a", "net-new"):
        done = _cli("import_gracethd", str(tmp_path / "a"), "--network", network, "--owner", "syn-a",
                    "--report", str(tmp_path / "refused.csv"))
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert lines == ["t_ptech.csv:7: pt_code: code en double PT-A1 (déjà ligne 1)",
                         "CommandError: refused: 1 fault(s), nothing written"], done.stderr
        assert "code.duplicate;blocking;ctrl_unicite;t_ptech.csv;7;PT-A1;pt_code" in (tmp_path / "refused.csv").read_text()
    assert snapshot(small.network) == before
    assert not Network.objects.filter(slug="net-new").exists()


def test_cli_import_then_export(transactional_db, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a", version="2")
    done = _cli("import_gracethd", str(tmp_path / "a"), "--network", "net-cli", "--owner", "syn-a", "--operator", "oi-a")
    assert done.returncode == 0, done.stderr
    assert "premises: 9 created, 0 updated, 0 unchanged, 0 deleted" in done.stdout
    done = _cli("export_gracethd", str(tmp_path / "b"), "--network", "net-cli")
    assert done.returncode == 0, done.stderr
    assert_same_tables(read_tables(tmp_path / "a"), read_tables(tmp_path / "b"))
    again = _cli("import_gracethd", str(tmp_path / "b"), "--network", "net-cli")
    assert again.returncode == 0 and "network net-cli unchanged" in again.stdout
    refused = _cli("export_gracethd", str(tmp_path / "c"), "--network", "nope")
    assert refused.returncode != 0 and "unknown network nope" in refused.stderr


def test_progress_is_reported_up_to_every_row(exported):
    _small, first = exported
    calls = []
    result = import_network(first, "net-p", owner="syn-a", progress=lambda *a: calls.append(a))
    percents = [c[2] for c in calls]
    assert percents == sorted(percents) and percents[-1] == 100
    assert calls[-1] == (result.rows_total, result.rows_total, 100)
    assert any(0 < p < 50 for p in percents) and any(50 < p < 100 for p in percents)


def test_duplicate_code_missing_field_and_dangling_support_all_reported(exported):
    small, first = exported

    def edit(rows):
        header, body = rows[0], rows[1:]
        typephy, nd = header.index("pt_typephy"), header.index("pt_nd_code")
        body[1][typephy] = ""           # PT-C1: mandatory physical type missing
        body[2][nd] = "ND-NOWHERE"      # PT-PBO1: on a node that does not exist
        return [header] + body + [body[0][:-1] + ["autre"]]  # PT-A1 twice, differing

    edit_csv(first / "t_ptech.csv", edit)
    before = snapshot(small.network)
    with pytest.raises(ImportRefused) as refused:
        import_network(first, "net-a")
    # only the duplicate refuses; the other faults are in the report, with their severity
    assert refused.value.faults == ["t_ptech.csv:7: pt_code: code en double PT-A1 (déjà ligne 1)"]
    assert [(f.severity, f.line) for f in refused.value.report] == [
        ("major", "t_ptech.csv:2: pt_typephy: champ obligatoire manquant"),
        ("major", "t_ptech.csv:3: pt_nd_code: référence inconnue : nœud ND-NOWHERE absent"),
        ("blocking", "t_ptech.csv:7: pt_code: code en double PT-A1 (déjà ligne 1)"),
        ("major", "t_ebp.csv:1: bp_pt_code: point technique PT-PBO1 écarté : boîtier non placé"),
    ]
    assert snapshot(small.network) == before
