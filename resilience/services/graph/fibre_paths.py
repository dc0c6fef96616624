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

Rules: a premises with several routes (several SUFs at its address) is cut when one of them is.
A route is dropped, and its premises fall back to the cable-level graph, when one of its fibres is
unknown in `t_fibre` (`unknown_fibre`), its cable is not in the network (`cable_not_in_network`, a
cable the import refused, e.g. without `cb_nd1`/`cb_nd2`), or it names no premises of the network
(`no_premises`); the counts by reason are kept (`FibrePaths.dropped_*`, `model_summary`).

Reading is set-based: two SQL statements over the delivered rows of one network, whatever its size
(no per-row query; equality joins on extracted codes, hash joins at scale), then numpy.

`FibrePaths` holds only numpy arrays and scalars (the shared store maps them read-only): the
per-premises CSR of path elements and its inverse, element → premises, for batches of cuts.
Elements are numbered cables [0, C), sites [C, C+S), enclosures [C+S, C+S+E), by the graph's
indices.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

DROP_REASONS = ("unknown_fibre", "cable_not_in_network", "no_premises")
TABLES = ("t_ropt", "t_fibre", "t_position", "t_cassette", "t_tiroir", "t_baie", "t_ltech", "t_suf")

# The delivered tables of one network, then the fibres of every route in order (rt_fo_ordr when
# it is an integer, else the delivered row order), each with its cable.
_ROUTES_CTE = """
WITH tb AS (
    SELECT id, name FROM network_deliveredtable WHERE network_id = %(net)s AND name = ANY(%(tables)s)
), t AS (
    SELECT tb.name, r.position, r.data FROM network_deliveredrow r JOIN tb ON tb.id = r.table_id
), ropt AS (
    SELECT data->>'rt_code' AS rt, data->>'rt_fo_code' AS fo,
           CASE WHEN data->>'rt_fo_ordr' ~ '^[0-9]{1,9}$' THEN (data->>'rt_fo_ordr')::int END AS ordr, position
    FROM t WHERE name = 't_ropt' AND COALESCE(data->>'rt_code', '') <> '' AND COALESCE(data->>'rt_fo_code', '') <> ''
), rf AS (
    SELECT ropt.rt, ropt.fo, row_number() OVER (PARTITION BY ropt.rt ORDER BY ropt.ordr NULLS LAST, ropt.position) AS seq,
           f.data->>'fo_cb_code' AS cb, f.data IS NOT NULL AS known
    FROM ropt LEFT JOIN t f ON f.name = 't_fibre' AND f.data->>'fo_code' = ropt.fo
), pos AS (
    SELECT data->>'ps_code' AS ps, COALESCE(data->>'ps_1', '') AS f1, COALESCE(data->>'ps_2', '') AS f2,
           COALESCE(data->>'ps_cs_code', '') AS cs, COALESCE(data->>'ps_ti_code', '') AS ti,
           COALESCE(data->>'ps_preaff', '') AS preaff
    FROM t WHERE name = 't_position'
), rpos AS (
    SELECT a.rt, LEAST(a.seq, b.seq) + 0.5 AS seq, p.* FROM pos p
        JOIN rf a ON a.fo = p.f1 JOIN rf b ON b.rt = a.rt AND b.fo = p.f2
    UNION ALL
    SELECT a.rt, a.seq + 0.5, p.* FROM pos p JOIN rf a ON p.f2 = '' AND a.fo = p.f1
    UNION ALL
    SELECT a.rt, a.seq + 0.5, p.* FROM pos p JOIN rf a ON p.f1 = '' AND a.fo = p.f2
)
"""

# Route elements: (route, order, kind, code, fibre or position, via cassette / patch panel)
ELEMENTS_SQL = _ROUTES_CTE + """
SELECT rt, seq::float8, CASE WHEN known THEN 'cable' ELSE 'unknown_fibre' END, COALESCE(cb, ''), fo, '' FROM rf
UNION ALL
SELECT rpos.rt, rpos.seq::float8, 'enclosure', cs.data->>'cs_bp_code', rpos.ps, rpos.cs FROM rpos
    JOIN t cs ON cs.name = 't_cassette' AND cs.data->>'cs_code' = rpos.cs WHERE rpos.cs <> ''
UNION ALL
SELECT rpos.rt, rpos.seq::float8, 'site', COALESCE(lt.data->>'lt_st_code', ba.data->>'ba_st_code', ''), rpos.ps, rpos.ti
FROM rpos
    JOIN t ti ON ti.name = 't_tiroir' AND ti.data->>'ti_code' = rpos.ti
    LEFT JOIN t ba ON ba.name = 't_baie' AND ba.data->>'ba_code' = ti.data->>'ti_ba_code'
    LEFT JOIN t lt ON lt.name = 't_ltech' AND lt.data->>'lt_code' = ba.data->>'ba_lt_code'
WHERE rpos.ti <> ''
ORDER BY 1, 2
"""

# Premises each route serves: ps_preaff → the premises whose suf_code is a SUF of the same address
PREMISES_SQL = _ROUTES_CTE + """
, pre AS (SELECT DISTINCT rt, preaff FROM rpos WHERE preaff <> ''),
suf AS (SELECT data->>'sf_code' AS sf, data->>'sf_ad_code' AS ad FROM t WHERE name = 't_suf'),
same AS (
    SELECT pre.rt, pre.preaff AS sf FROM pre
    UNION
    SELECT pre.rt, s2.sf FROM pre JOIN suf s1 ON s1.sf = pre.preaff AND COALESCE(s1.ad, '') <> ''
        JOIN suf s2 ON s2.ad = s1.ad
)
SELECT DISTINCT same.rt, p.id FROM same
    JOIN network_premises p ON p.network_id = %(net)s AND p.suf_code = same.sf AND p.suf_code <> ''
ORDER BY 1, 2
"""


@dataclass
class FibreRoutes:
    """What the reader found: plain rows, before they are checked against a graph."""

    elements: list = field(default_factory=list)  # (route, order, kind, code, fibre/position, via)
    premises: list = field(default_factory=list)  # (route, premises id)

    def __bool__(self):
        return bool(self.elements)


def read_routes(network_id: int, premises_ids=None) -> FibreRoutes:
    """Every optical route of the network (two set-based statements); with `premises_ids`, only
    the routes serving those premises (a trace)."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM network_deliveredtable WHERE network_id = %s AND name = 't_ropt' AND rows_count > 0",
                    [network_id])
        if cur.fetchone() is None:
            return FibreRoutes()
        params = {"net": network_id, "tables": list(TABLES)}
        cur.execute(PREMISES_SQL, params)
        premises = cur.fetchall()
        if premises_ids is not None:
            wanted = set(premises_ids)
            premises = [r for r in premises if r[1] in wanted]
            routes = {r[0] for r in premises}
        cur.execute(ELEMENTS_SQL, params)
        elements = cur.fetchall()
    if premises_ids is not None:
        elements = [r for r in elements if r[0] in routes]
    return FibreRoutes(elements=elements, premises=premises)


class CheckedRoutes:
    """Routes checked against a graph's asset tables: premises id → element ids (path order),
    and the count of dropped routes by reason."""

    def __init__(self, graph, routes: FibreRoutes):
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
        for rt, rows in by_route.items():
            elements, reason = [], None
            for _rt, _seq, kind, code, _fo, _via in rows:
                if kind == "unknown_fibre":
                    reason = "unknown_fibre"
                    break
                if kind == "cable":
                    ci = graph.cable_code_index.get(code)
                    if ci is None:
                        reason = "cable_not_in_network"
                        break
                    elements.append(ci)
                    for e in graph.cable_edges.get(ci, ()):  # the sites at the cable's ends
                        for v in (graph.edge_u[e], graph.edge_v[e]):
                            elements.extend(self.n_cables + s for s in graph.node_sites.get(graph.node_ids[v], ()))
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
