"""The real GraceTHD-Demo01 delivery (v2.0.1, tests/network/fixtures/gracethd-demo01, copied from
/work/shared/reference/gracethd/demo) made importable with its optical routes: the snapshot's
cables have no `cb_nd1`/`cb_nd2` (the import refuses them, so no route could reach the network).
They are filled here from the delivery's own splicing: a cable ends where its fibres are spliced
(`t_position.ps_cs_code` → `t_cassette` → `t_ebp.bp_pt_code` → `t_ptech.pt_nd_code`, or
`ps_ti_code` → `t_tiroir` → `t_baie` → `t_ltech` → `t_sitetech.st_nd_code`); a drop cable spliced
only at its PBO ends at the node of the SUF it serves (`ps_preaff` → `t_suf.sf_nd_code`); a patch
cord spliced only inside one site starts and ends at that site's node.

Route segments: `demo_delivery` draws the snapshot's missing `t_cheminement` on a grid, so a cable's
segments cannot chain its ends. The four segments each carrying cables of one pair of ends
(CM000180032958: CB000180030329, CM000180032956: CB000180030739, CM000180033570: CB000180030007,
CM200180033134: CB000180030001 and CB000180030916) are drawn between those ends; the cables whose
segments are shared by cables of other ends (CB000180030003, CB000180030341, CB000180030975) keep
no route (`t_cab_cond` rows removed): they are one edge each."""
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw

from tests.network.test_gracethd_deliveries import demo_delivery, write_shp

SEGMENT_CABLE = {"CM000180032958": "CB000180030329", "CM000180032956": "CB000180030739",
                 "CM000180033570": "CB000180030007", "CM200180033134": "CB000180030001"}
UNROUTED = {"CB000180030003", "CB000180030341", "CB000180030975"}


def _read(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    return rows[0], rows[1:]


def _dicts(path: Path):
    header, body = _read(path)
    return [dict(zip(header, r)) for r in body]


def cable_ends(target: Path) -> dict:
    d = {name: _dicts(target / f"{name}.csv") for name in (
        "t_fibre", "t_cassette", "t_ebp", "t_ptech", "t_tiroir", "t_baie", "t_ltech", "t_sitetech", "t_position", "t_suf")}
    fo = {r["fo_code"]: r["fo_cb_code"] for r in d["t_fibre"]}
    cs = {r["cs_code"]: r["cs_bp_code"] for r in d["t_cassette"]}
    bp = {r["bp_code"]: r["bp_pt_code"] for r in d["t_ebp"]}
    pt = {r["pt_code"]: r["pt_nd_code"] for r in d["t_ptech"]}
    ti = {r["ti_code"]: r["ti_ba_code"] for r in d["t_tiroir"]}
    ba = {r["ba_code"]: r["ba_lt_code"] for r in d["t_baie"]}
    lt = {r["lt_code"]: r["lt_st_code"] for r in d["t_ltech"]}
    st = {r["st_code"]: r["st_nd_code"] for r in d["t_sitetech"]}
    suf = {r["sf_code"]: r["sf_nd_code"] for r in d["t_suf"]}
    ends, drop_end = defaultdict(list), {}
    for p in d["t_position"]:
        if p["ps_cs_code"]:
            node = pt.get(bp.get(cs.get(p["ps_cs_code"])))
        else:
            node = st.get(lt.get(ba.get(ti.get(p["ps_ti_code"]))))
        for f in (p["ps_1"], p["ps_2"]):
            cable = fo.get(f)
            if cable and node and node not in ends[cable]:
                ends[cable].append(node)
            if cable and p["ps_preaff"] and p["ps_cs_code"]:
                drop_end.setdefault(cable, suf.get(p["ps_preaff"]))
    out = {}
    for cable, nodes in ends.items():
        if len(nodes) >= 2:
            out[cable] = (nodes[0], nodes[1])
        elif drop_end.get(cable):
            out[cable] = (nodes[0], drop_end[cable])
        else:
            out[cable] = (nodes[0], nodes[0])
    return out


def fibre_demo_delivery(target: Path) -> Path:
    demo_delivery(target)
    ends = cable_ends(target)
    header, body = _read(target / "t_cable.csv")
    code, nd1, nd2 = header.index("cb_code"), header.index("cb_nd1"), header.index("cb_nd2")
    for r in body:
        if r[code] in ends:
            r[nd1], r[nd2] = ends[r[code]]
    with open(target / "t_cable.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows([header, *body])
    header, body = _read(target / "t_cab_cond.csv")
    with open(target / "t_cab_cond.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows([header, *(r for r in body if r[0] not in UNROUTED)])
    meta, _fids, geoms, nodes = raw.read(target / "t_noeud.shp", encoding="cp1252")
    xy = {code: shapely.get_coordinates(g)[0] for code, g in zip(nodes[0], shapely.from_wkb(geoms))}
    meta, _fids, geoms, cols = raw.read(target / "t_cheminement.shp", encoding="cp1252")
    fields = list(meta["fields"])
    rows = [list(r) for r in zip(*cols)]
    lines = list(shapely.from_wkb(geoms))
    for k, r in enumerate(rows):
        cable = SEGMENT_CABLE.get(r[0])
        if cable:
            a, b = ends[cable]
            r[1], r[2] = a, b
            lines[k] = shapely.LineString([xy[a], xy[b]])
    write_shp(target / "t_cheminement.shp", fields, rows, np.array(lines, dtype=object), "LineString", cpg=False)
    return target
