"""Fibre-level service paths (*routes optiques*): each premises' own optical route, when the
delivery says how its fibres are spliced and routed, so that a failure cuts exactly the premises
whose route crosses it (docs/impact.md, "Fibre-level service paths").

GraceTHD v2 fields read (from the delivered tables kept whole, `network.DeliveredTable` +
`DeliveredRow.data`, issue 16):
- `t_ropt` (*route optique*): `rt_code` the route, `rt_fo_code` one of its fibres, `rt_fo_ordr`
  their order; when it is empty (the real GraceTHD-Demo01 sample) the rows' order in the delivered
  file, which runs from the PTO side up to the NRO;
- `t_fibre.fo_cb_code`: the cable of each fibre, so a route is an ordered list of cables, hence of
  the graph's edges, route segments and supports;
- `t_position` (*position / épissure*): `ps_1`, `ps_2` the two fibres it splices, `ps_cs_code` →
  `t_cassette.cs_bp_code` the enclosure (BPE, PBO) it stands in, `ps_ti_code` → `t_tiroir.ti_ba_code`
  → `t_baie.ba_lt_code` → `t_ltech.lt_st_code` the site (NRO, SRO) whose patch panel holds it,
  `ps_preaff` the SUF (*site utilisateur final*) the route serves. A position belongs to a route
  when both its fibres are on the route, or one is and the other is empty (the route's end);
- `t_suf.sf_ad_code`: the SUFs of one address are one premises (the import keeps the smallest
  `sf_code` as `Premises.suf_code`).
The sites at the ends of the route's cables (`Cable.node1/node2` → `Site.node`) are on the path too.
A v2 delivery without `t_ropt` has its routes walked along `t_position` instead (`walked_routes`:
from each SUF's drop fibre up ps_2 → ps_1 to the NRO); v3 positions name no SUF (cable level).

Rules: a premises with several routes (several SUFs at its address) is cut when one of them is.
A route is dropped, and its premises fall back to the cable-level graph, when one of its fibres is
unknown in `t_fibre` (`unknown_fibre`), its cable is not in the network (`cable_not_in_network`, a
cable the import refused, e.g. without `cb_nd1`/`cb_nd2`), or it names no premises of the network
(`no_premises`); the counts by reason are kept (`FibrePaths.dropped_*`, `model_summary`).

Reading is linear in the delivered rows, in a fixed number of statements whatever the size: one
for the premises by SUF code, one reading the few fields above of each table by its own table_id
(`DELIVERED_SQL`: no CTE over every delivered row, no join in SQL), then one pass of dict look-ups
per table in Python (the joins on codes), then numpy. The former SQL joined a materialised CTE on
extracted jsonb codes the planner had no statistics for: nested loops, > 5 min (killed) at 30 000
premises, where this reads in a few seconds (benchmarks/README.md, impact_fibre).

`FibrePaths` holds only numpy arrays and scalars (the shared store maps them read-only): the
per-premises CSR of path elements and its inverse, element → premises, for batches of cuts.
Elements are numbered cables [0, C), sites [C, C+S), enclosures [C+S, C+S+E), by the graph's
indices.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from core.gc_pause import no_gc  # the cyclic GC paused while millions of tuples are made (none is a cycle)

DROP_REASONS = ("unknown_fibre", "cable_not_in_network", "no_premises")
# The fields read from each delivered table (values as text, None when empty: `data` leaves them out).
FIELDS = {
    "t_ropt": ("rt_code", "rt_fo_code", "rt_fo_ordr"),
    "t_fibre": ("fo_code", "fo_cb_code"),
    "t_position": ("ps_code", "ps_1", "ps_2", "ps_cs_code", "ps_ti_code", "ps_preaff"),
    "t_cassette": ("cs_code", "cs_bp_code"),
    "t_tiroir": ("ti_code", "ti_ba_code"),
    "t_baie": ("ba_code", "ba_lt_code", "ba_st_code"),
    "t_ltech": ("lt_code", "lt_st_code"),
    "t_suf": ("sf_code", "sf_ad_code"),
}
TABLES = tuple(FIELDS)
_WIDTH = max(len(f) for f in FIELDS.values())


def _delivered_sql() -> str:
    """One statement: the few fields of each table, each table's rows read by its own table_id
    (index scans on `table_id`), nothing joined nor sorted in SQL. The joins on codes are dict
    look-ups in Python, one pass per table: linear whatever the planner would estimate for
    equality joins on extracted jsonb values (it has no statistics for them: the former
    materialised CTE of every delivered row ran > 5 min at 30 000 premises when its plan
    guessed wrong, benchmarks/README.md)."""
    parts = []
    for k, (name, fields) in enumerate(FIELDS.items()):
        cols = [f"r.data->>'{f}'" for f in fields] + ["NULL"] * (_WIDTH - len(fields))
        parts.append(f"SELECT {k}, r.position, {', '.join(cols)} FROM network_deliveredrow r"
                     f" WHERE r.table_id = (SELECT id FROM network_deliveredtable"
                     f" WHERE network_id = %(net)s AND name = '{name}')")
    return "\nUNION ALL\n".join(parts)


DELIVERED_SQL = _delivered_sql()
# Premises by SUF (ps_preaff / t_suf → Premises.suf_code)
PREMISES_SQL = "SELECT suf_code, id FROM network_premises WHERE network_id = %(net)s AND suf_code <> ''"
_FETCH = 50_000


@dataclass
class FibreRoutes:
    """What the reader found: plain rows, before they are checked against a graph."""

    elements: list = field(default_factory=list)  # (route, order, kind, code, fibre/position, via)
    premises: list = field(default_factory=list)  # (route, premises id)

    def __bool__(self):
        return bool(self.elements)


def _multi(rows, key=0, value=1) -> dict:
    """code → list of values, rows without a code left out (an SQL equality never matches NULL)."""
    out: dict = {}
    for r in rows:
        k = r[key]
        if k is None:
            continue
        v = r[value]
        got = out.get(k)
        if got is None:
            out[k] = [v]
        else:
            got.append(v)
    return out


def _read_tables(cur, network_id: int) -> dict:
    cur.execute(DELIVERED_SQL, {"net": network_id})
    by_table: list[list] = [[] for _ in FIELDS]
    ends = [2 + len(f) for f in FIELDS.values()]  # (position, *fields)
    while True:
        chunk = cur.fetchmany(_FETCH)
        if not chunk:
            break
        for r in chunk:
            k = r[0]
            by_table[k].append(r[1:ends[k]])
    return dict(zip(FIELDS, by_table))


_UNSEEN = object()
_LAST = 1 << 31  # rt_fo_ordr NULLS LAST (at most 9 digits)


def _route_fibres(ropt_rows, fibre_cables: dict):
    """Every route's fibres in order (rt_fo_ordr when it is an integer, else the delivered row
    order) as its cable element rows, {route: [(route, seq, kind, cable, fibre, '')]}, and the
    routes of each fibre, {fibre: [(route, seq)]}. A fibre delivered twice in t_fibre stands
    twice, one seq each (as the join it replaces)."""
    by_route: dict[str, list] = {}
    for position, rt, fo, ordr in ropt_rows:
        if not rt or not fo:
            continue
        key = int(ordr) if ordr is not None and ordr.isascii() and ordr.isdigit() and len(ordr) <= 9 else _LAST
        got = by_route.get(rt)
        if got is None:
            by_route[rt] = [(key, position, fo)]
        else:
            got.append((key, position, fo))
    elements: dict[str, list] = {}
    on_fibre: dict[str, list] = {}
    for rt, rows in by_route.items():
        rows.sort()
        out = elements[rt] = []
        seq = 0
        for _k, _p, fo in rows:
            cables = fibre_cables.get(fo)
            for cb in cables if cables is not None else (None,):
                seq += 1
                out.append((rt, float(seq), "cable" if cables is not None else "unknown_fibre", cb or "", fo, ""))
                got = on_fibre.get(fo)
                if got is None:
                    on_fibre[fo] = [(rt, seq)]
                else:
                    got.append((rt, seq))
    return elements, on_fibre


def _route_positions(position_rows, on_fibre: dict):
    """The positions on each route, with their order: (route, seq, ps, cs, ti, preaff). A position
    is on a route when both its fibres are (between them), or one is and the other is empty (the
    route's end, after that fibre)."""
    by_route: dict[str, dict] = {}  # fibre → {route: [seq]}, made once per fibre that needs it

    def seqs_by_route(fo, entries):
        got = by_route.get(fo)
        if got is None:
            got = by_route[fo] = {}
            for rt, s in entries:
                got.setdefault(rt, []).append(s)
        return got

    for _position, ps, f1, f2, cs, ti, preaff in position_rows:
        f1, f2 = f1 or "", f2 or ""
        if f1 and f2:
            a, b = on_fibre.get(f1), on_fibre.get(f2)
            if not a or not b:
                continue
            # walk the fibre on fewer routes, look the other up: a drop fibre spliced to a feeder
            # fibre on thousands of routes costs one look-up, not thousands
            small, big, big_fo = (a, b, f2) if len(a) <= len(b) else (b, a, f1)
            big_seqs = seqs_by_route(big_fo, big)
            for rt, s in small:
                for s2 in big_seqs.get(rt, ()):
                    yield rt, min(s, s2) + 0.5, ps, cs or "", ti or "", preaff or ""
        elif f1 or f2:
            for rt, s in on_fibre.get(f1 or f2, ()):
                yield rt, s + 0.5, ps, cs or "", ti or "", preaff or ""


def walked_routes(position_rows) -> list:
    """Routes walked along `t_position` when the delivery has no `t_ropt`, as `t_ropt` rows
    (position, rt_code, rt_fo_code, rt_fo_ordr). As in the real sample, ps_1 is the fibre on the
    NRO side and ps_2 the one on the premises side; a route starts at a drop fibre (the ps_2 of a
    position naming a SUF in ps_preaff that no position continues toward the premises) and goes
    up from ps_2 to ps_1 until a position whose ps_1 is empty (the NRO patch panel) or a fibre
    spliced no further. Its code is the SUF's (`SUF/fibre` when one SUF has several drop fibres).
    A walk that forks (one fibre spliced to two NRO-side fibres) or loops gives no route: its
    premises keep the cable-level answer."""
    up: dict[str, set] = {}
    nro_side = set()
    for _p, _ps, f1, f2, _cs, _ti, _sf in position_rows:
        if f2:
            up.setdefault(f2, set()).add(f1 or "")
            if f1:
                nro_side.add(f1)
    starts: dict[str, list] = {}
    for _p, _ps, _f1, f2, _cs, _ti, sf in position_rows:
        if sf and f2 and f2 not in nro_side:
            got = starts.setdefault(sf, [])
            if f2 not in got:
                got.append(f2)
    rows, k = [], 0
    for sf, fibres in starts.items():
        for start in fibres:
            walk, fo = [start], start
            while True:
                ups = up.get(fo)
                if not ups or ups == {""}:
                    break
                if len(ups) > 1:  # forks: no route
                    walk = None
                    break
                fo = next(iter(ups))
                if fo in walk:  # loops: no route
                    walk = None
                    break
                walk.append(fo)
            if walk is None:
                continue
            rt = sf if len(fibres) == 1 else f"{sf}/{start}"
            for order, fo in enumerate(walk, 1):
                k += 1
                rows.append((k, rt, fo, str(order)))
    return rows


def routes_from_tables(tables: dict, premises_by_suf: dict, walk: bool = False) -> FibreRoutes:
    """The routes' elements and premises from the fields of the delivered tables (`FIELDS`, one
    list of (position, *fields) rows per table) and the premises ids by SUF code; with `walk`,
    the routes are walked along t_position (`walked_routes`) instead of read from t_ropt."""
    ropt = walked_routes(tables["t_position"]) if walk else tables["t_ropt"]
    elements, on_fibre = _route_fibres(ropt, _multi(tables["t_fibre"], 1, 2))
    cassette_bpe = _multi(tables["t_cassette"], 1, 2)
    tiroir_baie = _multi(tables["t_tiroir"], 1, 2)
    baie = _multi([(r[1], (r[2], r[3])) for r in tables["t_baie"]])
    ltech_site = _multi(tables["t_ltech"], 1, 2)
    preaff, spliced = set(), set()
    for rt, seq, ps, cs, ti, sf in _route_positions(tables["t_position"], on_fibre):
        if sf:
            preaff.add((rt, sf))
        rows = elements[rt]
        if cs or ti:
            spliced.add(rt)
        if cs:
            for bp in cassette_bpe.get(cs, ()):
                rows.append((rt, seq, "enclosure", bp, ps, cs))
        if ti:
            for ba in tiroir_baie.get(ti, ()):
                # the site of the patch panel: its bay's technical room's site, else the bay's (v3)
                found = baie.get(ba, ()) if ba is not None else ()
                if not found:
                    rows.append((rt, seq, "site", "", ps, ti))
                for lt, ba_st in found:
                    sites = ltech_site.get(lt, ()) if lt is not None else ()
                    if not sites:
                        rows.append((rt, seq, "site", ba_st or "", ps, ti))
                    for lt_st in sites:
                        rows.append((rt, seq, "site", lt_st if lt_st is not None else (ba_st or ""), ps, ti))
    del on_fibre
    out = []
    for rt in sorted(elements):
        rows = elements[rt]
        if rt in spliced:
            rows.sort(key=lambda r: r[1])  # stable: splices of one position in table order
        out.extend(rows)
    # the premises of each route: its ps_preaff SUFs and the other SUFs of their address
    suf_address = _multi(tables["t_suf"], 1, 2)
    address_sufs = _multi(tables["t_suf"], 2, 1)
    served = set()
    for rt, sf in preaff:
        sufs = {sf}
        for ad in suf_address.get(sf, ()):
            if ad:
                sufs.update(s for s in address_sufs.get(ad, ()) if s is not None)
        for s in sufs:
            for pid in premises_by_suf.get(s, ()):
                served.add((rt, pid))
    return FibreRoutes(elements=out, premises=sorted(served))


def read_routes(network_id: int, premises_ids=None) -> FibreRoutes:
    """Every optical route of the network (two set-based statements, then one pass of dict
    look-ups per table): those of `t_ropt`, else (a v2 delivery without it) those walked along
    `t_position`; with `premises_ids`, only the routes serving those premises (a trace)."""
    with connection.cursor() as cur:
        cur.execute("SELECT name, version FROM network_deliveredtable WHERE network_id = %s"
                    " AND name IN ('t_ropt', 't_position') AND rows_count > 0", [network_id])
        present = dict(cur.fetchall())
        walk = "t_ropt" not in present
        if walk and present.get("t_position") != "2":  # v3 names no SUF on its positions
            return FibreRoutes()
        with no_gc():
            cur.execute(PREMISES_SQL, {"net": network_id})
            premises_by_suf = _multi(cur.fetchall())
            tables = _read_tables(cur, network_id)
    with no_gc():
        routes = routes_from_tables(tables, premises_by_suf, walk=walk)
    del tables
    if premises_ids is not None:
        wanted = set(premises_ids)
        routes.premises = [r for r in routes.premises if r[1] in wanted]
        kept = {r[0] for r in routes.premises}
        routes.elements = [r for r in routes.elements if r[0] in kept]
    return routes


WALK_LIMIT = 500  # splices followed up from a drop fibre before a walk is given up (a route has tens)
_BATCH = 200  # values per `@>` disjunction


def _where(cur, table_ids: dict, name: str, field: str, values) -> list[tuple]:
    """Rows (position, *FIELDS[name]) of the delivered table `name` whose `field` is one of
    `values`, through the GIN index on `data` (`data @> '{"field": "value"}'`)."""
    values = sorted({v for v in values if v})
    table_id = table_ids.get(name)
    if table_id is None or not values:
        return []
    columns = ", ".join(f"data->>'{f}'" for f in FIELDS[name])
    out = []
    for i in range(0, len(values), _BATCH):
        chunk = values[i:i + _BATCH]
        cur.execute(f"SELECT position, {columns} FROM network_deliveredrow WHERE table_id = %s AND ("
                    + " OR ".join(["data @> %s::jsonb"] * len(chunk)) + ")",
                    [table_id, *(json.dumps({field: v}, ensure_ascii=False) for v in chunk)])
        out += cur.fetchall()
    return out


class _Subset:
    """The delivered rows one premises' routes need, gathered table by table (each row once, in
    delivered order, as `_read_tables` gives them)."""

    def __init__(self):
        self.rows = {name: {} for name in FIELDS}

    def add(self, name: str, rows) -> list[tuple]:
        kept = self.rows[name]
        for row in rows:
            kept[row[0]] = row
        return rows

    def tables(self) -> dict:
        return {name: [rows[k] for k in sorted(rows)] for name, rows in self.rows.items()}


def read_routes_of(network_id: int, premises_id: int) -> FibreRoutes:
    """The optical routes of ONE premises (its trace), read from the few delivered rows they need
    (GIN look-ups on `data`: its SUFs and their address, the positions naming them, the routes
    through their fibres, those routes' fibres, positions, cassettes, patch panels, bays and
    technical rooms), then joined by the same `routes_from_tables` as the whole network. The same
    answer as `read_routes(network_id, premises_ids=[premises_id])` (tests compare them) in tens of
    index look-ups instead of every delivered row (~30 s at 300 000 premises)."""
    with connection.cursor() as cur:
        cur.execute("SELECT name, id, version FROM network_deliveredtable WHERE network_id = %s"
                    " AND name = ANY(%s) AND rows_count > 0", [network_id, list(TABLES)])
        found = cur.fetchall()
        table_ids = {name: tid for name, tid, _v in found}
        versions = {name: v for name, _t, v in found}
        walk = "t_ropt" not in table_ids
        if walk and versions.get("t_position") != "2":  # v3 names no SUF on its positions
            return FibreRoutes()
        cur.execute("SELECT suf_code FROM network_premises WHERE network_id = %s AND id = %s", [network_id, premises_id])
        row = cur.fetchone()
        if row is None or not row[0]:
            return FibreRoutes()
        subset = _Subset()
        # the premises' SUFs: its own, and the others of its address (t_suf.sf_ad_code)
        own = subset.add("t_suf", _where(cur, table_ids, "t_suf", "sf_code", [row[0]]))
        group = subset.add("t_suf", _where(cur, table_ids, "t_suf", "sf_ad_code", [r[2] for r in own]))
        sufs = {row[0]} | {r[1] for r in own} | {r[1] for r in group}
        cur.execute("SELECT suf_code, id FROM network_premises WHERE network_id = %s AND suf_code = ANY(%s)",
                    [network_id, sorted(sufs)])
        premises_by_suf = _multi(cur.fetchall())
        # the positions naming them (ps_preaff), and their fibres
        preaff = subset.add("t_position", _where(cur, table_ids, "t_position", "ps_preaff", sufs))
        fibres = {f for r in preaff for f in (r[2], r[3]) if f}
        if walk:
            fibres = _walk_positions(cur, table_ids, subset, fibres)
        else:
            # a position is on a route when both its fibres are, or one is and the other is empty:
            # the routes through each position's two fibres, intersected (a feeder fibre after a
            # splitter is on many routes, the drop fibre on the premises' own)
            on_fibre = _multi((fo, rt) for _p, rt, fo, _o in _where(cur, table_ids, "t_ropt", "rt_fo_code", fibres))
            routes = set()
            for r in preaff:
                ends = [set(on_fibre.get(f, ())) for f in (r[2], r[3]) if f]
                routes |= set.intersection(*ends) if ends else set()
            fibres = {r[2] for r in subset.add("t_ropt", _where(cur, table_ids, "t_ropt", "rt_code", routes))}
        # everything on those fibres: their cables, the positions splicing them, where those stand
        subset.add("t_fibre", _where(cur, table_ids, "t_fibre", "fo_code", fibres))
        positions = subset.add("t_position", _where(cur, table_ids, "t_position", "ps_1", fibres)
                               + _where(cur, table_ids, "t_position", "ps_2", fibres))
        subset.add("t_cassette", _where(cur, table_ids, "t_cassette", "cs_code", {r[4] for r in positions}))
        tiroirs = subset.add("t_tiroir", _where(cur, table_ids, "t_tiroir", "ti_code", {r[5] for r in positions}))
        baies = subset.add("t_baie", _where(cur, table_ids, "t_baie", "ba_code", {r[2] for r in tiroirs}))
        subset.add("t_ltech", _where(cur, table_ids, "t_ltech", "lt_code", {r[2] for r in baies}))
    with no_gc():
        routes = routes_from_tables(subset.tables(), premises_by_suf, walk=walk)
    routes.premises = [r for r in routes.premises if r[1] == premises_id]
    kept = {r[0] for r in routes.premises}
    routes.elements = [r for r in routes.elements if r[0] in kept]
    return routes


def _walk_positions(cur, table_ids: dict, subset: _Subset, fibres: set) -> set:
    """A delivery without t_ropt: the positions `walked_routes` follows from these drop fibres up
    to the NRO (ps_2 → ps_1), with those continuing toward the premises (ps_1 = a fibre: whether a
    fibre is a drop fibre), one level of look-ups per splice; the fibres met."""
    seen, frontier = set(), set(fibres)
    for _ in range(WALK_LIMIT):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        up = subset.add("t_position", _where(cur, table_ids, "t_position", "ps_2", frontier))
        subset.add("t_position", _where(cur, table_ids, "t_position", "ps_1", frontier))
        frontier = {r[2] for r in up if r[2]}
    return seen


class CheckedRoutes:
    """Routes checked against a graph's asset tables: premises id → element ids (path order),
    and the count of dropped routes by reason."""

    def __init__(self, graph, routes: FibreRoutes):
        with no_gc():
            self._check(graph, routes)

    def _check(self, graph, routes: FibreRoutes):
        self.n_cables = len(graph.cable_codes)
        self.n_sites = len(graph.site_codes)
        enclosure_code_index = {c: i for i, c in enumerate(graph.enclosure_codes)}
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        premises_of = defaultdict(list)
        for rt, pid in routes.premises:
            premises_of[rt].append(pid)
        by_route = defaultdict(list)
        for row in routes.elements:
            by_route[row[0]].append(row)
        self.routes = len(by_route)
        path_of: dict[int, list[int]] = {}
        cable_elements: dict = {}  # cable code → its element and its end sites' (one look-up per cable)
        for rt, rows in by_route.items():
            elements, reason = [], None
            for _rt, _seq, kind, code, _fo, _via in rows:
                if kind == "unknown_fibre":
                    reason = "unknown_fibre"
                    break
                if kind == "cable":
                    els = cable_elements.get(code, _UNSEEN)
                    if els is _UNSEEN:
                        els = cable_elements[code] = self._cable_elements(graph, code)
                    if els is None:
                        reason = "cable_not_in_network"
                        break
                    elements.extend(els)
                elif kind == "site":
                    si = graph.site_code_index.get(code)
                    if si is not None:
                        elements.append(self.n_cables + si)
                else:
                    ei = enclosure_code_index.get(code)
                    if ei is not None:
                        elements.append(self.n_cables + self.n_sites + ei)
            if reason is None and not premises_of.get(rt):
                reason = "no_premises"
            if reason is not None:
                self.dropped[reason] += 1
                continue
            for pid in premises_of[rt]:
                path_of.setdefault(pid, []).extend(elements)
        self.path_of = {pid: list(dict.fromkeys(els)) for pid, els in path_of.items()}

    def _cable_elements(self, graph, code):
        """The cable's element then the sites at its ends; None when it is not in the network."""
        ci = graph.cable_code_index.get(code)
        if ci is None:
            return None
        out = [ci]
        for e in graph.cable_edges.get(ci, ()):  # the sites at the cable's ends
            for v in (graph.edge_u[e], graph.edge_v[e]):
                out.extend(self.n_cables + s for s in graph.node_sites.get(graph.node_ids[v], ()))
        return out

    @property
    def premises_ids(self) -> set[int]:
        return set(self.path_of)


def _csr(lists, count: int):
    ptr = np.zeros(count + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    idx = np.fromiter((v for x in lists for v in x), dtype=np.int64, count=int(ptr[-1]))
    return ptr, idx


def _gather(ptr: np.ndarray, idx: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """idx[ptr[k]:ptr[k+1]] for every k of keys, concatenated (vectorised CSR gather)."""
    keys = np.asarray(keys, dtype=np.int64)
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    lo, hi = ptr[keys], ptr[keys + 1]
    counts = hi - lo
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    base = np.repeat(lo - np.cumsum(counts) + counts, counts)
    return idx[base + np.arange(total, dtype=np.int64)]


class FibrePaths:
    """Per-premises optical routes of one graph, as numpy arrays and scalars only.

    - `has_path[pos]`: the premises at that position of the graph's premises arrays has a route;
    - `path_ptr`/`path_elem`: its route's elements (path order, PTO side first);
    - `elem_ptr`/`elem_prem`: the inverse, element → positions of the premises whose route uses it;
    - `edge_elem[e]`: the cable element of graph edge e; `vert_ptr`/`vert_elem`: the site and
      enclosure elements standing at graph vertex v.
    """

    def __init__(self, graph, checked: CheckedRoutes):
        with no_gc():
            self._build(graph, checked)

    def _build(self, graph, checked: CheckedRoutes):
        n_pos = len(graph.premises_ids)
        self.n_cables = checked.n_cables
        self.n_sites = checked.n_sites
        self.n_enclosures = len(graph.enclosure_codes)
        n_elem = self.n_cables + self.n_sites + self.n_enclosures
        self.n_elements = n_elem
        self.routes = checked.routes
        for reason in DROP_REASONS:
            setattr(self, f"dropped_{reason}", checked.dropped[reason])
        lists = [checked.path_of.get(int(pid), ()) for pid in graph.premises_ids]
        self.has_path = np.fromiter((bool(x) for x in lists), dtype=bool, count=n_pos)
        self.premises_with_path = int(self.has_path.sum())
        self.path_ptr, self.path_elem = _csr(lists, n_pos)
        # inverse CSR: sort (element, position) pairs by element
        positions = np.repeat(np.arange(n_pos, dtype=np.int64), np.diff(self.path_ptr))
        order = np.argsort(self.path_elem, kind="stable")
        self.elem_prem = positions[order]
        self.elem_ptr = np.searchsorted(self.path_elem[order], np.arange(n_elem + 1), side="left").astype(np.int64)
        self.edge_elem = np.asarray(graph.edge_cable, dtype=np.int64)
        vert_lists = []
        for v in range(graph.n):
            node_id = graph.node_ids[v]
            vert_lists.append([self.n_cables + s for s in graph.node_sites.get(node_id, ())]
                              + [self.n_cables + self.n_sites + e for e in graph.node_enclosures.get(node_id, ())])
        self.vert_ptr, self.vert_elem = _csr(vert_lists, graph.n)

    def elements_of(self, edges, vertices) -> np.ndarray:
        """Failed elements given failed graph edges (cables) and vertices (sites, enclosures)."""
        parts = [np.zeros(0, dtype=np.int64)]
        if edges is not None and len(edges):
            e = np.asarray(edges, dtype=np.int64)
            parts.append(self.edge_elem[e[e < len(self.edge_elem)]])
        if vertices:
            v = np.fromiter((x for x in vertices if 0 <= x < len(self.vert_ptr) - 1), dtype=np.int64)
            parts.append(_gather(self.vert_ptr, self.vert_elem, v))
        return np.unique(np.concatenate(parts))

    def combine(self, cable_level: np.ndarray, edges, vertices) -> np.ndarray:
        """The fibre-level answer: premises with a route are cut exactly when an element of their
        route fails; the others keep the cable-level answer (sorted positions)."""
        keep = cable_level[~self.has_path[cable_level]] if len(cable_level) else cable_level
        hit = _gather(self.elem_ptr, self.elem_prem, self.elements_of(edges, vertices))
        if not len(hit):
            return keep
        if len(hit) + len(keep) < len(self.has_path) // 64:  # a few premises (a single cut, SPOF): sort them
            return np.union1d(keep, hit).astype(np.int64)
        cut = np.zeros(len(self.has_path), dtype=bool)  # many (a batch): a mask, not a sort of the repeats
        cut[hit] = True
        cut[keep] = True
        return np.flatnonzero(cut).astype(np.int64)

    def dropped(self) -> dict:
        return {reason: int(getattr(self, f"dropped_{reason}")) for reason in DROP_REASONS}

    def element(self, k: int) -> tuple[str, int]:
        """(kind, graph index) of element k."""
        if k < self.n_cables:
            return "cable", k
        if k < self.n_cables + self.n_sites:
            return "site", k - self.n_cables
        return "enclosure", k - self.n_cables - self.n_sites


def build(graph, routes: FibreRoutes | None) -> CheckedRoutes | None:
    """Routes checked against the graph (None when the network has none)."""
    if not routes:
        return None
    return CheckedRoutes(graph, routes)
