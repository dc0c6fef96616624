"""The service graph (*graphe de desserte*) of a network: who is fed through what.

Model
-----
- Vertices are topological nodes (*nœuds*, GraceTHD `t_noeud`) that matter for service: cable
  ends, sites (*sites techniques*), enclosures (*boîtiers*). A virtual source `SOURCE` is linked to
  every node that holds an NRO site: "being served" means "being connected to SOURCE".
- Edges are cables (*câbles*, `t_cable`), node1–node2, each carrying its ordered route segments
  (*cheminements*, `t_cable_cond`/`t_cond_chem`) and, through them, the support points (*appuis*,
  *chambres*) standing at those segments' end nodes: a support at a segment end carries that
  segment when its type fits the laying mode (SUPPORT_CARRIES: a pole the aerial ones, a chamber
  the underground ones, a façade anchor the façade ones).
  A cable whose route passes through a node holding an enclosure (a tap, *piquage*) is split there
  into several edges, so a PBO spliced on a through cable is fed from both sides of its cable.
- Premises (*locaux*) hang on their PBO (`Premises.pbo` → `Enclosure.node`). Premises without a PBO,
  or whose PBO has no path to an NRO even with nothing broken, are "not served": they are counted
  apart and never reported as cut.

Precomputation (one pass, for fast impact and single points of failure)
----------------------------------------------------------------------
The access network is a tree and the transport network has rings. We find the bridges of the
multigraph (Tarjan, parallel cables are not bridges) and its 2-edge-connected components
("blocks"): a tree part is made of singleton blocks, a transport ring is one block. Blocks form a
tree rooted at SOURCE's block; each block has an entry node (where its parent bridge lands).
A node-level tree T hangs every non-entry node of a block under the block's entry, and every entry
under the other end of its bridge. Nodes get preorder intervals in T and premises are sorted by the
preorder of their PBO node, so "everything downstream of v" is one slice of the premises arrays.

The impact of a set of failures is then: for each bridge cut, the slice of its lower end; for each
block touched by a non-bridge cut or a failed node, a reachability search inside that block only
(from its entry, without the failed elements), each node left unreached giving its slice.

Cache
-----
`get_service_graph(network)` keeps one graph per network in the process, keyed by
(network id, Network.version): rebuilt when the version changes, never per request.
"""
from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from network.models import (
    Cable, CableRoute, Commune, Enclosure, Network, Premises, RouteSegment, Site, SiteType, SupportPoint,
)

SOURCE = "source"  # name of the virtual root in the networkx graph

# Which segments ending at its node a support carries, by support type (pt_typephy) and laying mode
# (cm_typ_imp): a pole the aerial ones, a façade anchor the façade ones, a chamber the underground
# ones, a building support the in-building ones; any other type (or unknown) all of them.
SUPPORT_CARRIES = {
    "A": frozenset({"0", "1"}),
    "F": frozenset({"2"}),
    "C": frozenset({"4", "5", "6", "7", "8"}),
    "I": frozenset({"3"}),
}


@dataclass
class NetworkRows:
    """The raw rows a service graph is built from (plain tuples, database ids). Tests may build
    one by hand, without the database."""

    network_id: int
    version: int
    cables: list = field(default_factory=list)  # (id, code, node1_id, node2_id, role)
    routes: list = field(default_factory=list)  # (cable_id, segment_id), ordered by cable then position
    segments: list = field(default_factory=list)  # (id, code, node1_id, node2_id, length_m, laying_mode)
    supports: list = field(default_factory=list)  # (id, code, node_id, support_type)
    sites: list = field(default_factory=list)  # (id, code, node_id, site_type)
    enclosures: list = field(default_factory=list)  # (id, code, node_id, enclosure_type)
    premises: list = field(default_factory=list)  # (id, code, pbo_id, commune_id, housing, business, critical)
    node_codes: dict = field(default_factory=dict)  # node id -> code (optional: trace reads missing ones)
    communes: dict = field(default_factory=dict)  # insee -> name


def load_rows(network: Network) -> NetworkRows:
    """Every row the graph needs, in a fixed handful of set-based queries (values_list). Node codes
    are not loaded (a trace reads the few it shows)."""
    net = network.pk
    version = Network.objects.filter(pk=net).values_list("version", flat=True).get()
    rows = NetworkRows(network_id=net, version=version)
    rows.cables = list(Cable.objects.filter(network_id=net).values_list("id", "code", "node1_id", "node2_id", "role"))
    rows.routes = list(
        CableRoute.objects.filter(cable__network_id=net).order_by("cable_id", "position").values_list("cable_id", "segment_id")
    )
    rows.segments = list(
        RouteSegment.objects.filter(network_id=net).values_list("id", "code", "node1_id", "node2_id", "length_m", "laying_mode")
    )
    rows.supports = list(SupportPoint.objects.filter(network_id=net).values_list("id", "code", "node_id", "support_type"))
    rows.sites = list(Site.objects.filter(network_id=net).values_list("id", "code", "node_id", "site_type"))
    rows.enclosures = list(Enclosure.objects.filter(network_id=net).values_list("id", "code", "node_id", "enclosure_type"))
    rows.premises = list(
        Premises.objects.filter(network_id=net).values_list(
            "id", "code", "pbo_id", "commune_id", "housing_units", "business_units", "critical_category"
        )
    )
    insees = {r[3] for r in rows.premises if r[3]}
    rows.communes = dict(Commune.objects.filter(insee__in=insees).values_list("insee", "name")) if insees else {}
    return rows


class ServiceGraph:
    """The service graph of one network version, with its precomputed tree structure.

    Internal vertex numbers: 0..n-1 for real nodes (see `node_ids`), `n` for the virtual source.
    Internal edge numbers: 0..m-1 for cable edges, m.. for the virtual source→NRO edges.
    """

    def __init__(self, rows: NetworkRows):
        self.network_id = rows.network_id
        self.version = rows.version
        self.communes = dict(rows.communes)
        self._index_assets(rows)
        self._build_edges(rows)
        self._build_nx()
        self._precompute_tree()
        self._index_premises(rows)

    # -- assets -----------------------------------------------------------------------------
    def _index_assets(self, rows: NetworkRows) -> None:
        self.node_index: dict[int, int] = {}
        self.node_ids: list[int] = []

        def vertex(node_id):
            v = self.node_index.get(node_id)
            if v is None:
                v = self.node_index[node_id] = len(self.node_ids)
                self.node_ids.append(node_id)
            return v

        self._vertex = vertex
        self.node_codes = rows.node_codes
        # segments
        self.segment_ids = [r[0] for r in rows.segments]
        self.segment_index = {sid: i for i, sid in enumerate(self.segment_ids)}
        self.segment_codes = [r[1] for r in rows.segments]
        self.segment_code_index = {c: i for i, c in enumerate(self.segment_codes)}
        self.segment_nodes = [(r[2], r[3]) for r in rows.segments]
        self.segment_length = [float(r[4] or 0.0) for r in rows.segments]
        self.segment_mode = [r[5] for r in rows.segments]
        self.node_segments: dict[int, list[int]] = {}
        for i, (a, b) in enumerate(self.segment_nodes):
            self.node_segments.setdefault(a, []).append(i)
            if b != a:
                self.node_segments.setdefault(b, []).append(i)
        # supports
        self.support_ids = [r[0] for r in rows.supports]
        self.support_index = {sid: i for i, sid in enumerate(self.support_ids)}
        self.support_codes = [r[1] for r in rows.supports]
        self.support_code_index = {c: i for i, c in enumerate(self.support_codes)}
        self.support_node = [r[2] for r in rows.supports]
        self.support_type = [r[3] for r in rows.supports]
        self.node_supports: dict[int, list[int]] = {}
        for i, node_id in enumerate(self.support_node):
            self.node_supports.setdefault(node_id, []).append(i)
        # sites
        self.site_ids = [r[0] for r in rows.sites]
        self.site_index = {sid: i for i, sid in enumerate(self.site_ids)}
        self.site_codes = [r[1] for r in rows.sites]
        self.site_code_index = {c: i for i, c in enumerate(self.site_codes)}
        self.site_node = [r[2] for r in rows.sites]
        self.site_type = [r[3] for r in rows.sites]
        self.node_sites: dict[int, list[int]] = {}
        for i, node_id in enumerate(self.site_node):
            self.node_sites.setdefault(node_id, []).append(i)
            vertex(node_id)
        # enclosures
        self.enclosure_ids = [r[0] for r in rows.enclosures]
        self.enclosure_index = {eid: i for i, eid in enumerate(self.enclosure_ids)}
        self.enclosure_codes = [r[1] for r in rows.enclosures]
        self.enclosure_node = [r[2] for r in rows.enclosures]
        self.enclosure_type = [r[3] for r in rows.enclosures]
        self.node_enclosures: dict[int, list[int]] = {}
        for i, node_id in enumerate(self.enclosure_node):
            self.node_enclosures.setdefault(node_id, []).append(i)
            vertex(node_id)

    def _build_edges(self, rows: NetworkRows) -> None:
        """Cable edges, split at enclosure nodes along their route."""
        route_of: dict[int, list[int]] = {}
        for cable_id, segment_id in rows.routes:
            i = self.segment_index.get(segment_id)
            if i is not None:
                route_of.setdefault(cable_id, []).append(i)
        self.cable_ids = [r[0] for r in rows.cables]
        self.cable_codes = [r[1] for r in rows.cables]
        self.cable_role = [r[4] for r in rows.cables]
        self.cable_code_index = {c: i for i, c in enumerate(self.cable_codes)}
        self.edge_u: list[int] = []  # internal vertices
        self.edge_v: list[int] = []
        self.edge_cable: list[int] = []  # cable index
        self.edge_segments: list[tuple] = []  # segment indices, ordered from u to v
        self.edge_path_nodes: list[tuple] = []  # node ids from u to v (segment ends)
        self.edge_length: list[float] = []
        self.segment_edges: dict[int, list[int]] = {}
        tap_nodes = set(self.node_enclosures)

        def add_edge(ci, a_node, b_node, segs, path):
            e = len(self.edge_u)
            self.edge_u.append(self._vertex(a_node))
            self.edge_v.append(self._vertex(b_node))
            self.edge_cable.append(ci)
            self.edge_segments.append(tuple(segs))
            self.edge_path_nodes.append(tuple(path))
            self.edge_length.append(sum(self.segment_length[s] for s in segs))
            for s in segs:
                self.segment_edges.setdefault(s, []).append(e)

        for ci, (cable_id, _code, n1, n2, _role) in enumerate(rows.cables):
            segs = route_of.get(cable_id, [])
            path = [n1]
            ok = True
            for s in segs:
                a, b = self.segment_nodes[s]
                if a == path[-1]:
                    path.append(b)
                elif b == path[-1]:
                    path.append(a)
                else:
                    ok = False
                    break
            if not ok or not segs or path[-1] != n2:
                # Route missing or not chained end to end: the whole cable is one edge, failing
                # with any of its segments.
                add_edge(ci, n1, n2, segs, [n1, n2])
                continue
            start = 0
            for k in range(1, len(segs)):
                if path[k] in tap_nodes:
                    add_edge(ci, path[start], path[k], segs[start:k], path[start:k + 1])
                    start = k
            add_edge(ci, path[start], path[-1], segs[start:], path[start:])
        self.cable_edges: dict[int, list[int]] = {}
        for e, ci in enumerate(self.edge_cable):
            self.cable_edges.setdefault(ci, []).append(e)
        # supports carrying each segment, then each edge's supports in route order (u to v)
        self.segment_supports: dict[int, list[int]] = {}
        for i in range(len(self.support_ids)):
            for seg in self.segments_of_support(i):
                self.segment_supports.setdefault(seg, []).append(i)
        self.edge_supports: list[tuple] = []
        for e, segs in enumerate(self.edge_segments):
            path = self.edge_path_nodes[e]
            ordered = []
            for k, seg in enumerate(segs):
                carriers = self.segment_supports.get(seg, ())
                ends = (path[k], path[k + 1]) if len(path) == len(segs) + 1 else (None, None)
                for node_id in ends:  # the support at the segment's start, then at its end
                    ordered.extend(i for i in carriers if self.support_node[i] == node_id)
                ordered.extend(i for i in carriers if self.support_node[i] not in ends)
            self.edge_supports.append(tuple(dict.fromkeys(ordered)))

        self.n = len(self.node_ids)
        self.source = self.n
        self.m = len(self.edge_u)
        self.nro_vertices = sorted({self.node_index[self.site_node[i]] for i, t in enumerate(self.site_type) if t == SiteType.NRO})
        # adjacency with the virtual edges source -> NRO
        adj: list[list[tuple[int, int]]] = [[] for _ in range(self.n + 1)]
        for e in range(self.m):
            u, v = self.edge_u[e], self.edge_v[e]
            if u == v:
                continue  # a loop cable serves nothing
            adj[u].append((v, e))
            adj[v].append((u, e))
        for k, v in enumerate(self.nro_vertices):
            adj[self.source].append((v, self.m + k))
            adj[v].append((self.source, self.m + k))
        self.adj = adj

    def _build_nx(self) -> None:
        """The networkx multigraph (vertex = node id, SOURCE; key = internal edge number), used by
        the reachability fallback and open to any other graph question."""
        g = nx.MultiGraph(network=self.network_id, version=self.version)
        g.add_node(SOURCE)
        g.add_nodes_from(self.node_ids)
        g.add_edges_from(
            (self.node_ids[self.edge_u[e]], self.node_ids[self.edge_v[e]], e,
             {"cable": self.cable_codes[self.edge_cable[e]], "length": self.edge_length[e],
              "segments": self.edge_segments[e], "supports": self.edge_supports[e]})
            for e in range(self.m) if self.edge_u[e] != self.edge_v[e]
        )
        g.add_edges_from((SOURCE, self.node_ids[v], self.m + k, {"virtual": True}) for k, v in enumerate(self.nro_vertices))
        self.nx = g

    def vertex_name(self, v: int):
        return SOURCE if v == self.source else self.node_ids[v]

    # -- tree precomputation ------------------------------------------------------------------
    def _precompute_tree(self) -> None:
        n1 = self.n + 1
        adj, src = self.adj, self.source
        # 1. bridges (iterative Tarjan, by edge number so parallel cables are not bridges)
        disc = [-1] * n1
        low = [0] * n1
        bridges = set()
        disc[src] = low[src] = 0
        timer = 1
        stack = [(src, -1, iter(adj[src]))]
        while stack:
            v, pe, it = stack[-1]
            pushed = False
            for w, e in it:
                if e == pe:
                    continue
                if disc[w] == -1:
                    disc[w] = low[w] = timer
                    timer += 1
                    stack.append((w, e, iter(adj[w])))
                    pushed = True
                    break
                if disc[w] < low[v]:
                    low[v] = disc[w]
            if not pushed:
                stack.pop()
                if stack:
                    u = stack[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                    if low[v] > disc[u]:
                        bridges.add(pe)
        self.reached = [d != -1 for d in disc]
        self.bridges = bridges
        # 2. blocks (2-edge-connected components) and the block tree, from the source
        comp = [-1] * n1
        comp_entry: list[int] = []
        comp_nodes: list[list[int]] = []
        tparent = [-1] * n1
        parent_edge = [-1] * n1  # for entries: the bridge (or virtual edge) above them
        pending = [(src, -1, -1)]  # (entry vertex, bridge edge, vertex above)
        while pending:
            entry, be, above = pending.pop()
            c = len(comp_entry)
            comp_entry.append(entry)
            members = [entry]
            comp[entry] = c
            tparent[entry] = above
            parent_edge[entry] = be
            k = 0
            while k < len(members):
                v = members[k]
                k += 1
                for w, e in adj[v]:
                    if e in bridges:
                        continue
                    if comp[w] == -1:
                        comp[w] = c
                        tparent[w] = entry
                        members.append(w)
            for v in members:
                for w, e in adj[v]:
                    if e in bridges and comp[w] == -1 and w != tparent[v]:
                        comp[w] = -2  # claimed: its block is queued
                        pending.append((w, e, v))
            comp_nodes.append(members)
        self.comp, self.comp_entry, self.comp_nodes = comp, comp_entry, comp_nodes
        self.tparent, self.parent_edge = tparent, parent_edge
        # lower end of each bridge
        self.bridge_child = {}
        for v in range(n1):
            if v != src and comp[v] >= 0 and comp_entry[comp[v]] == v:
                self.bridge_child[parent_edge[v]] = v
        # adjacency inside blocks of more than one vertex
        self.inner_adj: dict[int, list[tuple[int, int]]] = {}
        for c, members in enumerate(comp_nodes):
            if len(members) > 1:
                for v in members:
                    self.inner_adj[v] = [(w, e) for w, e in adj[v] if e not in bridges]
        # a block is "dual fed" when no real cable alone isolates it from the NROs
        self.comp_dual_fed = [
            c == comp[src] or parent_edge[comp_entry[c]] >= self.m for c in range(len(comp_entry))
        ]
        # 3. preorder of T
        children: list[list[int]] = [[] for _ in range(n1)]
        for v in range(n1):
            if tparent[v] >= 0:
                children[tparent[v]].append(v)
        pre = [-1] * n1
        size = [1] * n1
        order = []
        stack2 = [src]
        while stack2:
            v = stack2.pop()
            pre[v] = len(order)
            order.append(v)
            stack2.extend(reversed(children[v]))
        for v in reversed(order):
            p = tparent[v]
            if p >= 0:
                size[p] += size[v]
        self.pre, self.size, self.order = pre, size, order

    def _index_premises(self, rows: NetworkRows) -> None:
        enclosure_node = dict(zip(self.enclosure_ids, self.enclosure_node))
        commune_list = sorted({r[3] for r in rows.premises if r[3]})
        self.commune_insees = commune_list
        commune_pos = {c: i for i, c in enumerate(commune_list)}
        served, unserved = [], []
        for r in rows.premises:
            node_id = enclosure_node.get(r[2]) if r[2] else None
            v = self.node_index.get(node_id) if node_id is not None else None
            if v is not None and self.reached[v]:
                served.append((self.pre[v], r))
            else:
                unserved.append(r)
        served.sort(key=lambda item: (item[0], item[1][0]))
        count = len(served)
        self.premises_ids = np.fromiter((r[0] for _, r in served), dtype=np.int64, count=count)
        self.premises_codes = [r[1] for _, r in served]
        self.premises_pbo = [r[2] for _, r in served]
        self.premises_commune = np.fromiter((commune_pos.get(r[3], -1) for _, r in served), dtype=np.int64, count=count)
        self.premises_households = np.fromiter((r[4] for _, r in served), dtype=np.int64, count=count)
        self.premises_businesses = np.fromiter((r[5] for _, r in served), dtype=np.int64, count=count)
        self.premises_critical = [r[6] or "" for _, r in served]
        is_critical = np.fromiter((bool(r[6]) for _, r in served), dtype=np.int64, count=count)
        self.premises_is_critical = is_critical.astype(bool)
        keys = np.fromiter((k for k, _ in served), dtype=np.int64, count=count)
        self.prem_offset = np.searchsorted(keys, np.arange(len(self.order) + 1), side="left")
        zero = np.zeros(1, dtype=np.int64)
        self.cum_households = np.concatenate([zero, np.cumsum(self.premises_households)])
        self.cum_businesses = np.concatenate([zero, np.cumsum(self.premises_businesses)])
        self.cum_critical = np.concatenate([zero, np.cumsum(is_critical)])
        self.unserved = [(r[0], r[1], r[3], r[4], r[5]) for r in unserved]  # id, code, commune, housing, business
        self.premises_total = len(rows.premises)

    # -- failures -------------------------------------------------------------------------------
    def edges_of_segments(self, segments) -> set[int]:
        out = set()
        for s in segments:
            out.update(self.segment_edges.get(s, ()))
        return out

    def segments_of_support(self, i: int) -> list[int]:
        """Segments support i carries: those ending at its node, of a laying mode its type carries."""
        at_node = self.node_segments.get(self.support_node[i], ())
        modes = SUPPORT_CARRIES.get(self.support_type[i])
        if modes is None:
            return list(at_node)
        return [s for s in at_node if self.segment_mode[s] in modes]

    def segments_of_supports(self, supports) -> set[int]:
        out = set()
        for i in supports:
            out.update(self.segments_of_support(i))
        return out

    def vertices_of_sites(self, sites) -> set[int]:
        return {self.node_index[self.site_node[i]] for i in sites}

    def failures(self, segments=(), supports=(), sites=()) -> tuple[set[int], set[int], set[int]]:
        """(failed edges, failed vertices, failed segments) for indices of segments, supports, sites."""
        failed_segments = set(segments) | self.segments_of_supports(supports)
        return self.edges_of_segments(failed_segments), self.vertices_of_sites(sites), failed_segments

    def subtree_range(self, v: int) -> tuple[int, int]:
        """The slice of the premises arrays downstream of vertex v."""
        p = self.pre[v]
        return int(self.prem_offset[p]), int(self.prem_offset[p + self.size[v]])

    def cut_vertices(self, failed_edges: set[int], failed_vertices: set[int]) -> list[int]:
        """Vertices of T whose whole subtree loses service (fast method)."""
        cut: list[int] = []
        dirty: set[int] = set()
        reached, comp = self.reached, self.comp
        for e in failed_edges:
            if e in self.bridges:
                child = self.bridge_child.get(e)
                if child is not None:
                    cut.append(child)
            else:
                u = self.edge_u[e]
                if reached[u] and self.edge_u[e] != self.edge_v[e]:
                    dirty.add(comp[u])
        for v in failed_vertices:
            if not reached[v]:
                continue
            c = comp[v]
            if len(self.comp_nodes[c]) == 1:
                cut.append(v)
            else:
                dirty.add(c)
        for c in dirty:
            entry = self.comp_entry[c]
            if entry in failed_vertices:
                cut.append(entry)
                continue
            seen = {entry}
            stack = [entry]
            inner = self.inner_adj
            while stack:
                v = stack.pop()
                for w, e in inner[v]:
                    if w in seen or e in failed_edges or w in failed_vertices:
                        continue
                    seen.add(w)
                    stack.append(w)
            if len(seen) < len(self.comp_nodes[c]):
                cut.extend(v for v in self.comp_nodes[c] if v not in seen)
        return cut

    def merged_ranges(self, vertices) -> list[tuple[int, int]]:
        """Disjoint premises slices covering the subtrees of these vertices (tree intervals nest)."""
        ranges = sorted((self.pre[v], self.pre[v] + self.size[v]) for v in vertices)
        merged: list[tuple[int, int]] = []
        end = -1
        for a, b in ranges:
            if a >= end:
                merged.append((a, b))
                end = b
        off = self.prem_offset
        return [(int(off[a]), int(off[b])) for a, b in merged if off[b] > off[a]]

    def cut_positions(self, failed_edges: set[int], failed_vertices: set[int]) -> np.ndarray:
        """Sorted positions (in the premises arrays) of the premises cut, fast method."""
        ranges = self.merged_ranges(self.cut_vertices(failed_edges, failed_vertices))
        if not ranges:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in ranges])

    def cut_positions_by_reachability(self, failed_edges: set[int], failed_vertices: set[int]) -> np.ndarray:
        """Same answer, brute force: what stays connected to the source in networkx once the
        failed elements are removed. Works on any graph; the reference the fast method is tested
        against."""
        g = self.nx
        nodes = {self.node_ids[v] for v in failed_vertices}
        edges = [(self.node_ids[self.edge_u[e]], self.node_ids[self.edge_v[e]], e)
                 for e in failed_edges if self.edge_u[e] != self.edge_v[e]]
        view = nx.restricted_view(g, nodes, edges)
        alive = nx.node_connected_component(view, SOURCE)
        node_index = self.node_index
        alive_pre = np.zeros(len(self.order), dtype=bool)
        for node_id in alive:
            if node_id != SOURCE:
                alive_pre[self.pre[node_index[node_id]]] = True
        # premises are sorted by the preorder of their PBO vertex
        counts = np.diff(self.prem_offset)
        prem_alive = np.repeat(alive_pre, counts)
        return np.flatnonzero(~prem_alive).astype(np.int64)

    def totals(self, ranges) -> tuple[int, int, int, int]:
        """(premises, households, businesses, critical) over disjoint premises slices."""
        p = h = b = c = 0
        for a, z in ranges:
            p += z - a
            h += int(self.cum_households[z] - self.cum_households[a])
            b += int(self.cum_businesses[z] - self.cum_businesses[a])
            c += int(self.cum_critical[z] - self.cum_critical[a])
        return p, h, b, c

    # -- paths (trace) --------------------------------------------------------------------------
    def path_to_source(self, v: int) -> list[tuple[int, int, int]]:
        """Hops (edge, from vertex, to vertex) from v up to an NRO: along bridges in the tree
        part, the shortest (by route length) way through a block in the redundant part."""
        hops = []
        while v != self.source:
            c = self.comp[v]
            entry = self.comp_entry[c]
            if v == entry:
                e = self.parent_edge[v]
                if e >= self.m:
                    break  # reached an NRO: the virtual edge is not a hop
                hops.append((e, v, self.tparent[v]))
                v = self.tparent[v]
                continue
            for e, a, b in self._shortest_in_block(v, entry):
                if e >= self.m:
                    return hops
                hops.append((e, a, b))
            v = entry
        return hops

    def _shortest_in_block(self, start: int, target: int) -> list[tuple[int, int, int]]:
        dist = {start: 0.0}
        prev: dict[int, tuple[int, int]] = {}
        heap = [(0.0, start)]
        while heap:
            d, v = heapq.heappop(heap)
            if v == target:
                break
            if d > dist.get(v, float("inf")):
                continue
            for w, e in self.inner_adj[v]:
                nd = d + (self.edge_length[e] if e < self.m else 0.0)
                if nd < dist.get(w, float("inf")):
                    dist[w] = nd
                    prev[w] = (v, e)
                    heapq.heappush(heap, (nd, w))
        out = []
        v = target
        while v != start:
            u, e = prev[v]
            out.append((e, u, v))
            v = u
        out.reverse()
        return out


# -- cache --------------------------------------------------------------------------------------
class GraphCache:
    """Service graphs kept in this process, one per network, keyed by (network id, version)."""

    def __init__(self, max_networks: int = 8):
        self.max_networks = max_networks
        self._graphs: OrderedDict[int, ServiceGraph] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}
        self.builds = 0  # how many graphs this process built (tests and metrics read it)

    def get(self, network: Network) -> ServiceGraph:
        version = Network.objects.filter(pk=network.pk).values_list("version", flat=True).get()
        with self._lock:
            graph = self._graphs.get(network.pk)
            if graph is not None and graph.version == version:
                self._graphs.move_to_end(network.pk)
                return graph
            building = self._building.setdefault(network.pk, threading.Lock())
        with building:  # one build per network at a time; other networks are not held up
            with self._lock:
                graph = self._graphs.get(network.pk)
                if graph is not None and graph.version == version:
                    return graph
            graph = ServiceGraph(load_rows(network))
            with self._lock:
                self.builds += 1
                current = self._graphs.get(network.pk)
                if current is None or current.version <= graph.version:
                    self._graphs[network.pk] = graph
                    self._graphs.move_to_end(network.pk)
                while len(self._graphs) > self.max_networks:
                    self._graphs.popitem(last=False)
            return graph

    def clear(self) -> None:
        with self._lock:
            self._graphs.clear()


graph_cache = GraphCache()


def get_service_graph(network: Network) -> ServiceGraph:
    """The service graph of the network's current version (built once per version)."""
    return graph_cache.get(network)
