"""Reading an exported GraceTHD directory back as comparable tables (for round-trip tests)."""
import csv
from pathlib import Path

import shapely
from pyogrio import raw

SHP = ("t_noeud", "t_cheminement", "t_cableline", "t_adresse", "t_zpbo")
CSV = ("t_sitetech", "t_ptech", "t_cable", "t_ebp", "t_suf", "t_conduite", "t_cond_chem", "t_cab_cond", "t_organisme")


def read_tables(directory) -> dict:
    """{table: (attribute rows as tuples, shapely geometries or None)}."""
    d = Path(directory)
    tables = {}
    for t in SHP:
        meta, _f, geoms, values = raw.read(d / f"{t}.shp")
        rows = [tuple(None if v != v else v for v in r) for r in zip(*values)] if values else []
        tables[t] = (rows, list(shapely.from_wkb(geoms)) if geoms is not None else [])
    for t in CSV:
        with open(d / f"{t}.csv", encoding="utf-8", newline="") as f:
            tables[t] = ([tuple(r) for r in csv.reader(f, delimiter=";")], None)
    return tables


def assert_same_tables(a, b, tolerance=0.01):
    assert a.keys() == b.keys()
    for t in a:
        rows_a, geoms_a = a[t]
        rows_b, geoms_b = b[t]
        assert rows_a == rows_b, t
        if geoms_a is not None:
            assert len(geoms_a) == len(geoms_b), t
            for ga, gb in zip(geoms_a, geoms_b):
                assert ga.geom_type == gb.geom_type
                assert shapely.hausdorff_distance(ga, gb) <= tolerance, t

