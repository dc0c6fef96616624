"""Issue 16: real GraceTHD deliveries (imperfect v2.0.1 demo, v3.0.x), full-fidelity round trip,
version conversion, and hostile files refused cleanly (no traceback, nothing left in TMPDIR)."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.db import connection
from pyogrio import raw

from network.models import Cable, CableRoute, DeliveredRow, DeliveredTable, Enclosure, Network, Premises, RouteSegment, Site
from network.services.gracethd import ImportRefused, export_network, import_network
from resilience.services.impact import impact
from tests.builders import build_small_network

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def _cli(*args, tmpdir=None):
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test",
               DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    if tmpdir:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [[v.strip() for v in row] for row in csv.reader(f, delimiter=";")]


def write_shp(path: Path, fields: list[str], rows: list[list], geoms: list, geometry_type: str, cpg=True):
    """A shapefile as a delivery tool writes it; without .cpg, in Windows-1252 (GraceTHD's rule)."""
    data = [np.array([str(r[j]) for r in rows], dtype=object) for j in range(len(fields))]
    raw.write(str(path), np.array(shapely.to_wkb(geoms), dtype=object), data, fields, geometry_type=geometry_type,
              crs="EPSG:2154", encoding="UTF-8" if cpg else "cp1252", driver="ESRI Shapefile")
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)


def demo_delivery(target: Path) -> Path:
    """GraceTHD-Demo01 (v2.0.1, a draft design with real data-entry faults): its attribute tables as
    published, plus the spatial layers its snapshot lacks (t_noeud, t_adresse, t_cheminement), laid
    out on a grid for every node / address / route segment code the tables name. Shapefiles in
    Windows-1252 without .cpg."""
    shutil.copytree(FIXTURES / "gracethd-demo01", target)
    tables = {p.stem: read_csv(p) for p in target.glob("*.csv")}

    def column(table, name):
        header, *body = tables[table]
        j = header.index(name)
        return [r[j] for r in body if r[j]]

    nodes = sorted(set(column("t_ptech", "pt_nd_code") + column("t_sitetech", "st_nd_code") + column("t_suf", "sf_nd_code")
                       + column("t_love", "lv_nd_code") + column("t_masque", "mq_nd_code")))
    xy = {code: (400000 + 30 * (k % 20), 6420000 + 30 * (k // 20)) for k, code in enumerate(nodes)}
    write_shp(target / "t_noeud.shp", ["nd_code", "nd_nom", "nd_type"],
              [[c, "Église" if k == 0 else "", "ST" if c.startswith("ND2") else "PT"] for k, c in enumerate(nodes)],
              [shapely.Point(xy[c]) for c in nodes], "Point", cpg=False)
    addresses = sorted(set(column("t_suf", "sf_ad_code")))
    sf_nd = dict(zip(column("t_suf", "sf_ad_code"), column("t_suf", "sf_nd_code")))
    write_shp(target / "t_adresse.shp", ["ad_code", "ad_insee", "ad_numero", "ad_nomvoie", "ad_prio"],
              [[a, "18003", str(k + 1), "Rue de l'Étang", "F"] for k, a in enumerate(addresses)],
              [shapely.Point(xy[sf_nd[a]][0] + 2, xy[sf_nd[a]][1] + 2) for a in addresses], "Point", cpg=False)
    segments = sorted(set(column("t_cond_chem", "dm_cm_code")))
    # half the route segments end on nodes, the others at points where no node was drawn (a real gap)
    rows, lines = [], []
    for k, cm in enumerate(segments):
        a, b = nodes[k % len(nodes)], nodes[(k + 1) % len(nodes)]
        ends = (a, b) if k % 2 == 0 else ("", "")
        rows.append([cm, ends[0], ends[1], "7", "AVP"])
        lines.append(shapely.LineString([xy[a], xy[b]]))
    write_shp(target / "t_cheminement.shp", ["cm_code", "cm_ndcode1", "cm_ndcode2", "cm_typ_imp", "cm_statut"],
              rows, lines, "LineString", cpg=False)
    return target


def test_an_imperfect_v2_delivery_imports_with_its_report_and_exports_back_every_field(db, tmp_path, make_org):
    make_org("syn-demo")
    delivery = demo_delivery(tmp_path / "demo")
    result = import_network(delivery, "demo", owner="syn-demo")
    rules = result.report.by_rule()
    assert result.version == "2" and not result.report.blocking
    # the real gaps: cables without ends (every cable of this draft), segments without nodes
    assert rules["cable.no_ends"] == 49
    assert rules["field.required"] >= 1  # route segments ending where no node was drawn
    net = result.network
    # PTO placed through bp_sf_code (the standard's way), at their SUF's node
    pto = Enclosure.objects.filter(network=net, enclosure_type="PTO")
    expected_pto = [r for r in read_csv(delivery / "t_ebp.csv")[1:] if r[16] == "PTO"]
    assert pto.count() == len(expected_pto) == 21
    assert all(e.support_id is None for e in pto)
    # its addresses in the Cher (18003) find their commune: every commune of France ships (issue 14);
    # an address in an unknown commune is kept and reported (test_severity_override below)
    assert Premises.objects.filter(network=net, commune_id="18003").count() == Premises.objects.filter(network=net).count() > 0
    assert "commune.unknown" not in rules
    # the .dbf in Windows-1252 without .cpg was read as such
    from network.models import Node
    assert Node.objects.filter(network=net, name="Église").exists()
    # the tables the model does not use are kept, queryable by their codes and foreign codes
    fibres = DeliveredRow.objects.filter(table__network=net, table__name="t_fibre", data__fo_cb_code="CB000180030003")
    assert fibres.count() > 0 and fibres.first().code.startswith("FO")
    assert DeliveredTable.objects.filter(network=net, name="t_ropt").get().rows_count == 42

    out = tmp_path / "out"
    export_network(net, out)
    for source in sorted(delivery.glob("*.csv")):
        assert read_csv(out / source.name) == read_csv(source), source.name  # every field of every row, codes as delivered
    for source in sorted(delivery.glob("*.shp")):
        a = raw.read(source, encoding="cp1252")
        b = raw.read(out / source.name)
        assert list(a[0]["fields"]) == list(b[0]["fields"])
        assert [list(map(str, col)) for col in a[3]] == [list(map(str, col)) for col in b[3]], source.name
        assert list(shapely.from_wkb(a[2])) == list(shapely.from_wkb(b[2]))
    # re-importing the export is a no-op
    version = Network.objects.get(pk=net.pk).version
    again = import_network(out, "demo")
    assert not again.changed and Network.objects.get(pk=net.pk).version == version


def test_cli_exit_zero_and_a_gpkg_report_for_the_demo(transactional_db, tmp_path, make_org):
    make_org("syn-demo")
    delivery = demo_delivery(tmp_path / "demo")
    done = _cli("import_gracethd", str(delivery), "--network", "demo-cli", "--owner", "syn-demo",
                "--report", str(tmp_path / "report.gpkg"))
    assert done.returncode == 0, done.stderr
    assert "cable.no_ends: 49" in done.stdout and "Traceback" not in done.stderr
    meta, _f, geoms, values = raw.read(tmp_path / "report.gpkg")
    assert "rule" in list(meta["fields"]) and len(values[0]) > 49
    assert sum(g is not None for g in geoms) > 0  # located faults


def small_v2(tmp_path) -> tuple:
    small = build_small_network()
    export_network(small.network, tmp_path / "v2", version="2")
    return small, tmp_path / "v2"


def _impact_codes(network, segment):
    cut = impact(network, failed_segments=[segment])
    codes = dict(Premises.objects.filter(network=network).values_list("pk", "code"))
    return sorted(codes[i] for i in cut.premises_ids)


def _counts(network):
    return [m.objects.filter(network=network).count() for m in (RouteSegment, Cable, Premises, Site, Enclosure)] + [
        CableRoute.objects.filter(cable__network=network).count(),
        Premises.objects.filter(network=network, pbo__isnull=False).count()]


def test_v2_network_exported_as_v3_and_reimported_gives_the_same_counts_and_impact(db, tmp_path):
    small, v2 = small_v2(tmp_path)
    first = import_network(v2, "net-v2", owner="syn-a").network
    export_network(first, tmp_path / "v3", version="3")
    assert (tmp_path / "v3" / "t_local.csv").exists() and (tmp_path / "v3" / "t_cab_chem.csv").exists()
    assert not (tmp_path / "v3" / "t_suf.csv").exists()
    result = import_network(tmp_path / "v3", "net-v3", owner="syn-a")
    assert result.version == "3" and not result.report.blocking, [f.line for f in result.report]
    second = result.network
    assert _counts(first) == _counts(second), [f.line for f in result.report]
    for segment in ("CM-T1", "CM-D1a", "CM-D3b"):
        assert _impact_codes(first, segment) == _impact_codes(second, segment)
    assert dict(Premises.objects.filter(network=second).values_list("code", "pbo__code")) == dict(
        Premises.objects.filter(network=first).values_list("code", "pbo__code"))
    # v3 written back as v3, and by default: the version it was imported in
    export_network(second, tmp_path / "v3b")
    for p in sorted((tmp_path / "v3").glob("*.csv")):
        assert read_csv(tmp_path / "v3b" / p.name) == read_csv(p), p.name
    assert not import_network(tmp_path / "v3b", "net-v3").changed
    # a v3 delivery forced as v2 misses its v2 tables: refused, nothing written
    with pytest.raises(ImportRefused) as refused:
        import_network(tmp_path / "v3", "net-v3", version="2")
    assert "t_suf.csv:0: -: fichier manquant" in refused.value.faults


def test_generated_networks_export_v3_by_default(db, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "g")
    assert (tmp_path / "g" / "t_site.csv").exists() and not (tmp_path / "g" / "t_sitetech.csv").exists()


def test_v3_public_sample_attribute_tables_are_read(db, tmp_path, make_org):
    """The ANCT public v3 sample (attribute tables) with the node layer it names: detected as v3,
    its t_fibre / t_position / t_tiroir kept and queryable, its PBO and sites read from t_local."""
    make_org("syn-v3")
    target = tmp_path / "v3"
    shutil.copytree(FIXTURES / "gracethd-v3-sample", target)
    tables = {p.stem: read_csv(p) for p in target.glob("*.csv")}
    codes = set()
    for table, name in (("t_ptech", "pt_nd_code"), ("t_site", "st_nd_code"), ("t_cable", "cb_nd1"), ("t_cable", "cb_nd2")):
        header, *body = tables[table]
        codes |= {r[header.index(name)] for r in body if r[header.index(name)]}
    codes = sorted(codes)
    write_shp(target / "t_noeud.shp", ["nd_code"], [[c] for c in codes],
              [shapely.Point(400000 + 10 * k, 6420000) for k in range(len(codes))], "Point")
    write_shp(target / "t_cheminement.shp", ["cm_code", "cm_ndcode1", "cm_ndcode2", "cm_typ_imp"], [["CM-X", codes[0], codes[1], "0"]],
              [shapely.LineString([(400000, 6420000), (400010, 6420000)])], "LineString")
    write_shp(target / "t_adresse.shp", ["ad_code", "ad_nblres"], [["AD-X", "2"]], [shapely.Point(400005, 6420005)], "Point")
    result = import_network(target, "v3-sample", owner="syn-v3")
    assert result.version == "3" and not result.report.blocking, [f.line for f in result.report.blocking]
    net = result.network
    assert Site.objects.filter(network=net).exists()
    assert Cable.objects.filter(network=net).count() > 0
    assert DeliveredTable.objects.get(network=net, name="t_position").rows_count == 648
    assert DeliveredRow.objects.filter(table__network=net, table__name="t_tiroir", data__ti_ba_code="BA000180030509").exists()


# -- hostile and odd files ----------------------------------------------------------------------

@pytest.fixture
def own_tmpdir(tmp_path, monkeypatch):
    """A dedicated temporary directory for the importer, to prove it leaves nothing behind."""
    d = tmp_path / "tmpdir"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def test_latin1_csv_bom_crlf_upper_case_names_and_missing_column(db, tmp_path):
    small, v2 = small_v2(tmp_path)
    rows = read_csv(v2 / "t_sitetech.csv")
    rows[1][rows[0].index("st_nom")] = "Répartiteur Hôpital"
    (v2 / "t_sitetech.csv").unlink()
    with open(v2 / "t_sitetech.csv", "w", encoding="cp1252", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(rows)
    ptech = read_csv(v2 / "t_ptech.csv")
    (v2 / "t_ptech.csv").unlink()
    j = ptech[0].index("pt_typelog")
    with open(v2 / "T_PTECH.CSV", "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows([r[:j] + r[j + 1:] for r in ptech])
    result = import_network(v2, "net-a")
    lines = [(f.rule, f.line) for f in result.report]
    assert ("file.encoding", "t_sitetech.csv:2: -: fichier non UTF-8 : lu en Windows-1252") in lines
    assert ("column.missing", "T_PTECH.CSV:0: pt_typelog: colonne pt_typelog absente") in lines
    assert len(lines) == 2
    assert Site.objects.get(network=small.network, code=rows[1][0]).name == "Répartiteur Hôpital"


def test_truncated_shapefile_is_one_fault_line(db, tmp_path, own_tmpdir):
    _small, v2 = small_v2(tmp_path)
    with open(v2 / "t_noeud.shp", "r+b") as f:
        f.truncate(50)
    with pytest.raises(ImportRefused) as refused:
        import_network(v2, "net-a")
    assert len(refused.value.faults) == 1 and refused.value.faults[0].startswith("t_noeud.shp:0: -: fichier illisible")
    assert list(own_tmpdir.iterdir()) == []


def test_one_gib_csv_is_refused_before_reading(db, tmp_path):
    _small, v2 = small_v2(tmp_path)
    big = v2 / "t_fibre.csv"
    with open(big, "wb") as f:
        f.write(b"fo_code;fo_cb_code\nFO1;CB-T1\n")
        f.truncate(1024**3)  # sparse: 1 GiB on paper, nothing on disk
    with pytest.raises(ImportRefused) as refused:
        import_network(v2, "net-a")
    assert refused.value.faults == [f"t_fibre.csv:0: -: fichier trop volumineux ({1024**3} octets, au plus {512 * 1024**2})"]


def _zip_bomb(path: Path, size: int = 1024**3):
    """A zip of about 1 MB holding a 1 GiB entry, written by streaming (nothing big on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("t_noeud.csv", "w", force_zip64=True) as entry:
            chunk = b"\0" * (4 * 1024**2)
            for _ in range(size // len(chunk)):
                entry.write(chunk)


def test_zip_bomb_and_unsafe_zip_refused_nothing_left_in_tmpdir(transactional_db, tmp_path):
    bomb = tmp_path / "bomb.zip"
    _zip_bomb(bomb)
    assert bomb.stat().st_size < 2 * 1024**2
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    done = _cli("import_gracethd", str(bomb), "--network", "net-z", "--owner", "syn-a", tmpdir=tmpdir)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert any(line.startswith("bomb.zip:0: -: archive refusée") for line in done.stderr.splitlines()), done.stderr
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as zf:
        zf.writestr("../t_noeud.csv", "nd_code\n")
    done = _cli("import_gracethd", str(unsafe), "--network", "net-z", "--owner", "syn-a", tmpdir=tmpdir)
    assert done.returncode != 0 and "chemin interdit dans le zip : ../t_noeud.csv" in done.stderr
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(200))
    done = _cli("import_gracethd", str(garbage), "--network", "net-z", "--owner", "syn-a", tmpdir=tmpdir)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert list(tmpdir.iterdir()) == []


def test_zip_ratio_bounded_even_when_the_headers_lie(db, tmp_path, own_tmpdir, settings):
    """Limits are configurable; bytes really unpacked are counted, entry by entry."""
    _small, v2 = small_v2(tmp_path)
    archive = tmp_path / "ok.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(v2.iterdir()):
            zf.write(p, p.name)
    assert import_network(archive, "net-ok", owner="syn-a").counts["premises"]["created"] == 9
    settings.GRACETHD_MAX_UNZIPPED_BYTES = 10_000
    with pytest.raises(ImportRefused) as refused:
        import_network(archive, "net-ok")
    assert refused.value.faults[0].startswith("ok.zip:0: -: archive refusée")
    assert list(own_tmpdir.iterdir()) == []


# -- networks' life ---------------------------------------------------------------------------

def test_delete_network_cli_refused_with_open_tickets_unless_forced(transactional_db, tmp_path):
    from core.models import AuditEvent
    from incidents.models import TroubleTicket

    small, v2 = small_v2(tmp_path)
    net = import_network(v2, "net-del", owner="syn-a").network
    TroubleTicket.objects.create(network=net, description="coupure", severity="major", ticket_type="incident")
    done = _cli("delete_network", "net-del")
    assert done.returncode != 0 and "--yes" in done.stderr
    done = _cli("delete_network", "net-del", "--yes")
    assert done.returncode != 0 and "ticket(s) ouvert(s)" in done.stderr
    assert Network.objects.filter(slug="net-del").exists()
    done = _cli("delete_network", "net-del", "--yes", "--force")
    assert done.returncode == 0, done.stderr
    assert not Network.objects.filter(slug="net-del").exists()
    assert not DeliveredTable.objects.filter(network_id=net.pk).exists()
    assert not Premises.objects.filter(network_id=net.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(net.pk), action="delete").get().before["premises"] == 9
    assert Network.objects.filter(pk=small.network.pk).exists()


def test_delete_network_api_admin_of_the_owner_only(db, tmp_path, token_client):
    from organisations.models import Organisation

    small, v2 = small_v2(tmp_path)
    net = import_network(v2, "net-api", owner="syn-a").network
    owner = Organisation.objects.get(slug="syn-a")
    crisis, _ = token_client(owner, "crisis_manager")
    assert crisis.delete("/api/v1/networks/net-api/").status_code == 403
    admin, _ = token_client(owner, "admin")
    response = admin.delete("/api/v1/networks/net-api/")
    assert response.status_code == 200 and response.json()["premises"] == 9
    assert not Network.objects.filter(pk=net.pk).exists()
    assert admin.delete("/api/v1/networks/net-api/").status_code == 404


def test_report_page_lists_faults_with_filters_and_a_map_without_inline_script(db, tmp_path, client):
    import re

    from network.models import ImportRun
    from network.services.import_runs import save_report
    from tests.frontend.conftest import make_user

    from .test_gracethd import break_three_rows

    small, v2 = small_v2(tmp_path)
    break_three_rows(v2)
    result = import_network(v2, "net-a")
    run = ImportRun.objects.create(network=small.network, network_slug="net-a", organisation=small.network.operator,
                                   source="imports/x.zip", state=ImportRun.State.SUCCEEDED)
    save_report(run, result.report)
    client.force_login(make_user("agent", small.network.operator, "operator_agent"))
    html = client.get(f"/imports/{run.pk}/rapport/").content.decode()
    assert "geom.invalid" in html and "code.unknown_required" in html
    assert f'data-geojson-url="/api/v1/imports/{run.pk}/report/?format=geojson"' in html
    page = html[html.index('class="page-head"'):]  # this page's own part (base.html is another issue's)
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", page)  # static files or JSON data only
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handler
    filtered = client.get(f"/imports/{run.pk}/rapport/?rule=geom.invalid").content.decode()
    assert "t_cheminement.shp</td>" in filtered and "dm_cm_code" not in filtered
    assert "?format=geojson&rule=geom.invalid\"" in filtered
    geojson = client.get(f"/api/v1/imports/{run.pk}/report/?format=geojson&rule=geom.invalid").json()
    assert [f["properties"]["code"] for f in geojson["features"]] == ["CM-T2"]
    stranger = make_user("stranger", Organisation_other(), "operator_agent")
    client.force_login(stranger)
    assert client.get(f"/imports/{run.pk}/rapport/").status_code == 404


def Organisation_other():
    from organisations.models import Organisation, OrganisationKind

    return Organisation.objects.create(slug="oi-other", name="OI other", kind=OrganisationKind.OPERATOR)


def test_a_network_own_severity_overrides_the_default(db, tmp_path):
    """Severities are configurable per network (admin): an unknown commune made blocking refuses."""
    from network.models import QualityRuleSeverity

    small, v2 = small_v2(tmp_path)
    # one address gets an INSEE code nobody knows
    meta, _f, geoms, values = raw.read(v2 / "t_adresse.shp")
    names = list(meta["fields"])
    values[names.index("ad_insee")][0] = "99999"
    raw.write(str(v2 / "t_adresse.shp"), geoms, values, names, geometry_type="Point", crs="EPSG:2154",
              encoding="UTF-8", driver="ESRI Shapefile")
    result = import_network(v2, "net-a")
    assert [(f.rule, f.severity) for f in result.report] == [("commune.unknown", "minor")]
    QualityRuleSeverity.objects.create(network=small.network, rule="commune.unknown", severity="blocking")
    values[names.index("ad_insee")][0] = "99998"
    raw.write(str(v2 / "t_adresse.shp"), geoms, values, names, geometry_type="Point", crs="EPSG:2154",
              encoding="UTF-8", driver="ESRI Shapefile")
    with pytest.raises(ImportRefused) as refused:
        import_network(v2, "net-a")
    assert refused.value.faults[0].endswith("ad_insee: commune inconnue 99998 : local gardé sans commune")
