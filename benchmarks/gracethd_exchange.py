"""Benchmark of GraceTHD import / re-import / export on a synthetic exchange written straight to
files (no generator needed): N premises, one drop route segment per premises, PBOs of 8 premises
on a pole, 50 PBOs per SRO chained by distribution segments, one NRO.

    .venv/bin/python benchmarks/gracethd_exchange.py --premises 50000 [--keep DIR]

Runs against the database of DATABASE_URL / the embedded one (creates network bench-gracethd-<N>
and its organisations, removes them at the end unless --keep-network).
"""
import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def write_exchange(out: Path, premises: int) -> None:
    from pyogrio import raw

    from network.services.gracethd.codelists import PRJ_FILE, csv_fields

    out.mkdir(parents=True, exist_ok=True)
    x0, y0 = 150000.0, 6800000.0  # Finistère
    n_pbo = (premises + 7) // 8
    n_sro = (n_pbo + 49) // 50
    nodes, segs, cables, routes = [], [], [], []
    nodes.append(("ND-NRO", x0, y0))
    for s in range(n_sro):
        sx, sy = x0 + 2000 + (s % 40) * 1500, y0 + (s // 40) * 1500
        nodes.append((f"ND-S{s}", sx, sy))
        segs.append((f"CM-T{s}", "ND-NRO", f"ND-S{s}", "7", [(x0, y0), (sx, y0), (sx, sy)]))
        cables.append((f"CB-T{s}", "ND-NRO", f"ND-S{s}", "TR"))
        routes.append((f"CB-T{s}", [f"CM-T{s}"]))
        prev, chain_codes = f"ND-S{s}", []
        for k in range(50):
            p = s * 50 + k
            if p >= n_pbo:
                break
            px, py = sx + (k % 10) * 25.0 + 5, sy + (k // 10) * 25.0 + 5
            nodes.append((f"ND-P{p}", px, py))
            segs.append((f"CM-D{p}", prev, f"ND-P{p}", "0" if k % 3 else "2", None))
            chain_codes.append(f"CM-D{p}")
            prev = f"ND-P{p}"
        cables.append((f"CB-D{s}", f"ND-S{s}", prev, "DI"))
        routes.append((f"CB-D{s}", chain_codes))
    coords = {c: (x, y) for c, x, y in nodes}
    ad_nodes = []
    for a in range(premises):
        p = a // 8
        px, py = coords[f"ND-P{p}"]
        ax, ay = px + 2 + (a % 8) * 1.5, py + 3
        nodes.append((f"ND-A{a}", ax, ay))
        segs.append((f"CM-R{a}", f"ND-P{p}", f"ND-A{a}", "2", None))
        ad_nodes.append((f"AD{a}", ax, ay, p))
        coords[f"ND-A{a}"] = (ax, ay)

    def shp(name, fields, values, geoms, gtype):
        raw.write(str(out / f"{name}.shp"), np.array(shapely.to_wkb(geoms), dtype=object),
                  [np.array(v, dtype=object) for v in values], fields, geometry_type=gtype, crs="EPSG:2154",
                  encoding="UTF-8", driver="ESRI Shapefile")
        shutil.copyfile(PRJ_FILE, out / f"{name}.prj")

    def csvw(name, rows):
        fields = csv_fields(name)
        with open(out / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter=";", lineterminator="\n")
            w.writerow(fields)
            for r in rows:
                w.writerow([r.get(k, "") for k in fields])

    shp("t_noeud", ["nd_code"], [[c for c, _, _ in nodes]], shapely.points([(x, y) for _, x, y in nodes]), "Point")
    lines = [shapely.LineString(g if g else [coords[a], coords[b]]) for _, a, b, _, g in segs]
    shp("t_cheminement", ["cm_code", "cm_ndcode1", "cm_ndcode2", "cm_typ_imp"],
        [[s[0] for s in segs], [s[1] for s in segs], [s[2] for s in segs], [s[3] for s in segs]], lines, "LineString")
    shp("t_adresse", ["ad_code", "ad_insee", "ad_nblhab"],
        [[a[0] for a in ad_nodes], ["29232"] * premises, ["1"] * premises],
        shapely.points([(a[1], a[2]) for a in ad_nodes]), "Point")
    seg_line = {s[0]: line for s, line in zip(segs, lines)}
    cl = [(c[0], shapely.line_merge(shapely.multilinestrings([seg_line[s] for s in r[1]])) if len(r[1]) > 1 else seg_line[r[1][0]])
          for c, r in zip(cables, routes)]
    cl = [(c, g) for c, g in cl if g.geom_type == "LineString"]
    shp("t_cableline", ["cl_code", "cl_cb_code"], [[f"CL{c}" for c, _ in cl], [c for c, _ in cl]], [g for _, g in cl], "LineString")
    csvw("t_sitetech", [{"st_code": "ST-NRO", "st_nd_code": "ND-NRO", "st_typelog": "NRO"}]
         + [{"st_code": f"ST-S{s}", "st_nd_code": f"ND-S{s}", "st_typelog": "SRO"} for s in range(n_sro)])
    csvw("t_ptech", [{"pt_code": f"PT-P{p}", "pt_nd_code": f"ND-P{p}", "pt_typephy": "A"} for p in range(n_pbo)])
    csvw("t_ebp", [{"bp_code": f"BP-P{p}", "bp_pt_code": f"PT-P{p}", "bp_typelog": "PBO"} for p in range(n_pbo)])
    csvw("t_cable", [{"cb_code": c, "cb_nd1": a, "cb_nd2": b, "cb_typelog": r, "cb_capafo": "72"} for c, a, b, r in cables])
    route_segs = sorted({s for _, r in routes for s in r})
    csvw("t_conduite", [{"cd_code": f"CD-{s}", "cd_type": "NC"} for s in route_segs])
    csvw("t_cond_chem", [{"dm_cd_code": f"CD-{s}", "dm_cm_code": s} for s in route_segs])
    csvw("t_cab_cond", [{"cc_cb_code": c, "cc_cd_code": f"CD-{s}"} for c, r in routes for s in r])
    with open(out / "t_zpbo.csv", "w", encoding="utf-8") as f:
        f.write("zp_code;zp_nd_code\n" + "".join(f"ZP{p};ND-P{p}\n" for p in range(n_pbo)))
    csvw("t_suf", [{"sf_code": f"SF{a}", "sf_ad_code": f"AD{a}", "sf_zp_code": f"ZP{a // 8}", "sf_racco": "RB"}
                   for a in range(premises)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--premises", type=int, default=10000)
    parser.add_argument("--keep-network", action="store_true")
    parser.add_argument("--no-reimports", action="store_true",
                        help="skip the no-op re-imports and the v2 import of the export (300 k: saves ~15 min)")
    args = parser.parse_args()
    import django

    django.setup()
    from network.models import Network
    from network.services.gracethd import export_network, import_network
    from organisations.models import Organisation

    tmp = Path(tempfile.mkdtemp(prefix="bench-gracethd-"))
    slug = f"bench-gracethd-{args.premises}"
    owner, _ = Organisation.objects.get_or_create(slug="bench-syn", defaults={"name": "Bench", "kind": "syndicate"})
    try:
        t = time.monotonic()
        write_exchange(tmp / "src", args.premises)
        print(f"write synthetic exchange: {time.monotonic() - t:.1f} s")
        drop(slug), drop(slug + "-b")
        runs = [("import (new network)", tmp / "src", slug), ("re-import (no-op)", tmp / "src", slug)]
        for label, path, target in runs[:1] if args.no_reimports else runs:
            t = time.monotonic()
            result = import_network(path, target, owner="bench-syn")
            print(f"{label}: {time.monotonic() - t:.1f} s, {result.rows_total} rows, changed={result.changed}")
        report_sizes(result.report, tmp)
        t = time.monotonic()
        counts = export_network(Network.objects.get(slug=slug), tmp / "out")
        print(f"export v2 (as delivered): {time.monotonic() - t:.1f} s, {sum(counts.values())} rows")
        if not args.no_reimports:
            t = time.monotonic()
            result = import_network(tmp / "out", slug + "-b", owner="bench-syn")
            print(f"import of the export (new network): {time.monotonic() - t:.1f} s")
            drop(slug + "-b")
        t = time.monotonic()
        counts = export_network(Network.objects.get(slug=slug), tmp / "out3", version="3")
        print(f"export v3 (from the model): {time.monotonic() - t:.1f} s, {sum(counts.values())} rows")
        t = time.monotonic()
        result = import_network(tmp / "out3", slug + "-b", owner="bench-syn")
        print(f"import v3 (new network): {time.monotonic() - t:.1f} s, {result.rows_total} rows, "
              f"GraceTHD v{result.version}, {len(result.report)} fault(s)")
        if not args.no_reimports:
            t = time.monotonic()
            result = import_network(tmp / "out3", slug + "-b")
            print(f"re-import v3 (no-op): {time.monotonic() - t:.1f} s, changed={result.changed}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not args.keep_network:
            for s in (slug, slug + "-b"):
                drop(s)


def report_sizes(report, tmp: Path) -> None:
    """How big the quality report of that import is, as written by --report."""
    from network.services.gracethd.report_files import fault_records, write

    records = fault_records(report)
    sizes = []
    for suffix in ("csv", "geojson", "gpkg"):
        t = time.monotonic()
        path = tmp / f"report.{suffix}"
        write(records, path)
        sizes.append(f"{suffix} {path.stat().st_size / 1e6:.1f} MB in {time.monotonic() - t:.1f} s")
    print(f"report: {len(report)} fault(s) {report.by_rule()}; " + ", ".join(sizes))


def drop(slug):
    """Remove a benchmark network in a few set-based deletes (the ORM cascade would go row by row)."""
    from django.db import connection

    from network.models import Network

    net = Network.objects.filter(slug=slug).first()
    if net is None:
        return
    with connection.cursor() as c:
        for table in ("premises", "enclosure"):
            c.execute(f"DELETE FROM network_{table} WHERE network_id = %s", [net.id])
        c.execute("DELETE FROM network_cableroute r USING network_cable c WHERE r.cable_id = c.id AND c.network_id = %s", [net.id])
        for table in ("cable", "supportpoint", "site", "routesegment", "node"):
            c.execute(f"DELETE FROM network_{table} WHERE network_id = %s", [net.id])
    net.delete()


if __name__ == "__main__":
    main()
