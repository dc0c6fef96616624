"""The service graph itself (*graphe de desserte*): vertices, cable edges, the tree structure and
the premises arrays; see the package docstring for the model."""
from __future__ import annotations

import heapq

import networkx as nx
import numpy as np

from network.models import SiteType

from . import arrays, fibre_paths
from .assets import AssetTables
from .levels import DROP_ENCLOSURE_TYPES, TRANSPORT, LevelRule, cable_level
from .rows import NetworkRows
from .topology import tree_structure, union_ranges

SOURCE = "source"  # name of the virtual root in the networkx graph


class ServiceGraph(AssetTables):
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
        self._precompute_tree()
        # -- fibre-level service paths (issue 18, fibre_paths.py): routes are checked before the
        # premises are indexed, since a premises with an optical route is served even where the
        # cable-level graph does not reach it; `self.fibre` holds numpy arrays and scalars only.
        checked = fibre_paths.build(self, rows.fibre_routes)
        self._index_premises(rows, checked.premises_ids if checked else ())
        self.fibre = fibre_paths.FibrePaths(self, checked) if checked else None
        with_path = self.fibre.premises_with_path if self.fibre is not None else 0
        self.service_model = ("cable-level" if not with_path else
                              "fibre" if with_path == len(self.premises_ids) else "mixed")
        self.fibre_path_premises = with_path
        # -- end of the fibre-level hook
        del self._vertex, self._vertex_at  # build-time closures (never stored)
        self.batch = self._compute_batch_arrays()  # stored, so a loading process builds nothing

    def __getstate__(self):
        """The graph without its derived caches (attributes starting with "_"), for the store."""
        self._load_rich()
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _load_rich(self) -> None:
        """The attributes with no array form (store.py), read from the local copy on first use."""
        f = self.__dict__.pop("_rich_path", None)
        if f is not None:
            import pickle

            with f:  # opened at mapping time: still readable if the copy was removed since
                f.seek(0)
                self.__dict__.update(pickle.load(f))

    def __getattr__(self, name):
        # only called for a missing attribute: the pickled part of a graph mapped from the store
        if not name.startswith("_") and "_rich_path" in self.__dict__:
            self._load_rich()
            if name in self.__dict__:
                return self.__dict__[name]
        raise AttributeError(name)

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
        # a transport-level cable passing a node whose enclosures all serve drops (PBO, BPI, PTO,
        # DTI: GraceTHD bp_typelog) is not spliced there: a PBO patches distribution to drops,
        # never a transport fibre (levels.py); only a joint (BPE) can tap it
        transport_tap_nodes = {n for n, encs in self.node_enclosures.items()
                               if any(self.enclosure_type[i] not in DROP_ENCLOSURE_TYPES for i in encs)}

        # the cable-level rule (levels.py): the ends of every edge, then which nodes split by level
        pieces = []  # (cable index, node a, node b, segments, path nodes)

        def add_edge(ci, a_node, b_node, segs, path):
            pieces.append((ci, a_node, b_node, segs, path))

        def emit(ci, a_node, b_node, segs, path):
            e = len(self.edge_u)
            role = self.cable_role[ci]
            self.edge_u.append(self._vertex_at(rule.key(a_node, role)))
            self.edge_v.append(self._vertex_at(rule.key(b_node, role)))
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
            taps = transport_tap_nodes if cable_level(self.cable_role[ci]) == TRANSPORT else tap_nodes
            for k in range(1, len(segs)):
                if path[k] in taps:
                    add_edge(ci, path[start], path[k], segs[start:k], path[start:k + 1])
                    start = k
            add_edge(ci, path[start], path[-1], segs[start:], path[start:])
        patch_nodes = set(self.node_sites) | set(self.node_enclosures)
        rule = LevelRule(((node, self.cable_role[ci]) for ci, a, b, _s, _p in pieces for node in (a, b)), patch_nodes)
        self.level_split_nodes = rule.split_nodes
        self.level_vertex: dict = {}  # (node id, level) -> vertex, at nodes split by level

        def vertex_at(key):
            if not isinstance(key, tuple):
                return self._vertex(key)
            v = self.level_vertex.get(key)
            if v is None:
                v = self.level_vertex[key] = len(self.node_ids)
                self.node_ids.append(key[0])
            return v

        self._vertex_at = vertex_at
        for piece in pieces:
            emit(*piece)
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

    @property
    def nx(self) -> nx.MultiGraph:
        """Built on first use (the reachability reference, tests): at 300 k premises it is a large
        share of a graph's memory, and the fast methods never need it.

        The networkx multigraph (vertex = internal vertex number, the source being `self.source`;
        key = internal edge number), used by the reachability fallback and open to any other graph
        question. A node split by level (levels.py) is several vertices; `node_ids[v]` names its node."""
        g = self.__dict__.get("_nx")
        if g is not None:
            return g
        g = nx.MultiGraph(network=self.network_id, version=self.version)
        g.add_nodes_from(range(self.n + 1))
        g.add_edges_from(
            (self.edge_u[e], self.edge_v[e], e,
             {"cable": self.cable_codes[self.edge_cable[e]], "length": self.edge_length[e],
              "segments": self.edge_segments[e], "supports": self.edge_supports[e]})
            for e in range(self.m) if self.edge_u[e] != self.edge_v[e]
        )
        g.add_edges_from((self.source, v, self.m + k, {"virtual": True}) for k, v in enumerate(self.nro_vertices))
        self.__dict__["_nx"] = g
        return g

    def vertex_name(self, v: int):
        return SOURCE if v == self.source else self.node_ids[v]

    # -- tree precomputation ------------------------------------------------------------------
    def _precompute_tree(self) -> None:
        """The tree structure (topology.py), kept as attributes of the graph."""
        tree = tree_structure(self.n + 1, self.adj, self.source, self.m)
        for name in ("reached", "bridges", "comp", "comp_entry", "comp_nodes", "tparent", "parent_edge",
                     "bridge_child", "inner_adj", "comp_dual_fed", "pre", "size", "order"):
            setattr(self, name, getattr(tree, name))

    def _index_premises(self, rows: NetworkRows, fibre_served=()) -> None:
        """`fibre_served`: premises ids with an optical route, served even when unreached here
        (they sort after every preorder slice, so the cable-level answer never cuts them)."""
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
            elif r[0] in fibre_served:
                served.append((len(self.order), r))
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
        """The graph edges running over any of the segments (a cable's edge over each of its
        segments), in bulk over the mapped multimap."""
        if isinstance(self.segment_edges, arrays.ArrayMultiMap):
            edges, _owner = arrays.gather(self.segment_edges, list(segments))
            return set(edges.tolist())
        out = set()
        for s in segments:
            out.update(self.segment_edges.get(s, ()))
        return out

    def failures(self, segments=(), supports=(), sites=()) -> tuple[set[int], set[int], set[int]]:
        """(failed edges, failed vertices, failed segments) for indices of segments, supports, sites."""
        failed_segments = set(segments) | self.segments_of_supports(supports)
        return self.edges_of_segments(failed_segments), self.vertices_of_sites(sites), failed_segments

    def subtree_range(self, v: int) -> tuple[int, int]:
        """The slice of the premises arrays downstream of vertex v."""
        p = self.pre[v]
        return int(self.prem_offset[p]), int(self.prem_offset[p + self.size[v]])

    def python_table(self, name: str):
        """A vertex- or edge-level attribute as plain Python lists/dicts/sets, made once per process
        from the mapped arrays (tens of thousands of items, a few MB) for the per-element loops
        (block searches) that numpy indexing would slow down; the graph as built is returned as is."""
        tables = self.__dict__.setdefault("_python", {})
        out = tables.get(name)
        if out is None:
            value = getattr(self, name)
            if isinstance(value, arrays.Column):
                out = value.a.tolist()
            elif isinstance(value, arrays.Ragged):
                out = arrays.plain_rows(value.ptr, value.idx, tuple)
            elif isinstance(value, arrays.ArrayMultiMap):
                out = dict(zip(value.karr.tolist(), arrays.plain_rows(value.ptr, value.values_, list)))
            elif isinstance(value, arrays.ArrayMap):
                out = dict(zip(value.karr.tolist(), value.values_.tolist()))
            elif isinstance(value, arrays.ArraySet):
                out = set(value.keys.tolist())
            else:
                out = value
            tables[name] = out
        return out

    def cut_vertices(self, failed_edges: set[int], failed_vertices: set[int]) -> list[int]:
        """Vertices of T whose whole subtree loses service (fast method)."""
        cut: list[int] = []
        dirty: set[int] = set()
        py = self.python_table
        reached, comp, bridges, bridge_child = py("reached"), py("comp"), py("bridges"), py("bridge_child")
        edge_u, edge_v, comp_nodes, comp_entry = py("edge_u"), py("edge_v"), py("comp_nodes"), py("comp_entry")
        for e in failed_edges:
            if e in bridges:
                child = bridge_child.get(e)
                if child is not None:
                    cut.append(child)
            else:
                u = edge_u[e]
                if reached[u] and u != edge_v[e]:
                    dirty.add(comp[u])
        for v in failed_vertices:
            if not reached[v]:
                continue
            c = comp[v]
            if len(comp_nodes[c]) == 1:
                cut.append(v)
            else:
                dirty.add(c)
        for c in dirty:
            entry = comp_entry[c]
            if entry in failed_vertices:
                cut.append(entry)
                continue
            seen = {entry}
            stack = [entry]
            inner = py("inner_adj")
            while stack:
                v = stack.pop()
                for w, e in inner[v]:
                    if w in seen or e in failed_edges or w in failed_vertices:
                        continue
                    seen.add(w)
                    stack.append(w)
            if len(seen) < len(comp_nodes[c]):
                cut.extend(v for v in comp_nodes[c] if v not in seen)
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
        edges = np.fromiter(failed_edges, dtype=np.int64, count=len(failed_edges)) if failed_edges else None
        return self.cut_positions_of_edges(edges, failed_vertices)

    # -- vectorised batch impact ---------------------------------------------------------------
    def _batch_arrays(self):
        """numpy views of the tree for batches of cuts (computed with the graph and stored)."""
        arrays = self.__dict__.get("batch")
        if arrays is None:
            arrays = self.batch = self._compute_batch_arrays()
        return arrays

    def _compute_batch_arrays(self) -> dict:
        pre = np.asarray(self.pre, dtype=np.int64)
        size = np.asarray(self.size, dtype=np.int64)
        child = np.full(self.m, -1, dtype=np.int64)
        for e, v in self.bridge_child.items():
            if e < self.m:
                child[e] = v
        # lower end of each bridge as a preorder interval [start, end); -1 for other edges
        start = np.where(child >= 0, pre[np.maximum(child, 0)], -1)
        end = np.where(child >= 0, start + size[np.maximum(child, 0)], -1)
        seg_ptr = np.zeros(len(self.segment_codes) + 1, dtype=np.int64)
        lists = [self.segment_edges.get(i, ()) for i in range(len(self.segment_codes))]
        seg_ptr[1:] = np.cumsum([len(x) for x in lists])
        seg_idx = np.fromiter((e for x in lists for e in x), dtype=np.int64, count=int(seg_ptr[-1]))
        return {"start": start, "end": end, "seg_ptr": seg_ptr, "seg_idx": seg_idx,
                "offset": np.asarray(self.prem_offset, dtype=np.int64)}

    def edges_of_segment_array(self, segments: np.ndarray) -> np.ndarray:
        """Edges carried by these segment indices (with repeats), vectorised (CSR gather)."""
        a = self._batch_arrays()
        segments = np.asarray(segments, dtype=np.int64)
        lo, hi = a["seg_ptr"][segments], a["seg_ptr"][segments + 1]
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        base = np.repeat(lo - np.cumsum(counts) + counts, counts)
        return a["seg_idx"][base + np.arange(total, dtype=np.int64)]

    def cut_positions_of_edges(self, edges: np.ndarray | None, failed_vertices=()) -> np.ndarray:
        """Sorted positions of the premises cut; premises with an optical route by their route
        (fibre_paths.py), the others by the cable-level graph."""
        positions = self._cable_level_positions_of_edges(edges, failed_vertices)
        fibre = getattr(self, "fibre", None)
        return positions if fibre is None else fibre.combine(positions, edges, failed_vertices)

    def _cable_level_positions_of_edges(self, edges: np.ndarray | None, failed_vertices=()) -> np.ndarray:
        """The batch method: each failed bridge gives the preorder interval of its lower end
        (array look-ups), the few failed ring edges and failed vertices go through the per-block
        search (cut_vertices), then one vectorised union of intervals and one gather of the
        premises slices. Same answer as cut_positions, in a few numpy passes for thousands of cuts."""
        a = self._batch_arrays()
        starts = [np.zeros(0, dtype=np.int64)]
        ends = [np.zeros(0, dtype=np.int64)]
        others: set = set()
        if edges is not None and len(edges):
            s = a["start"][edges]
            bridge = s >= 0
            starts.append(s[bridge])
            ends.append(a["end"][edges][bridge])
            if not bridge.all():
                others = set(edges[~bridge].tolist())
        if others or failed_vertices:
            vertices = self.cut_vertices(others, set(failed_vertices))
            if vertices:
                pre = np.asarray([self.pre[x] for x in vertices], dtype=np.int64)
                size = np.asarray([self.size[x] for x in vertices], dtype=np.int64)
                starts.append(pre)
                ends.append(pre + size)
        s, e = union_ranges(np.concatenate(starts), np.concatenate(ends))
        off = a["offset"]
        lo, hi = off[s], off[e]
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        base = np.repeat(lo - np.cumsum(counts) + counts, counts)
        return base + np.arange(total, dtype=np.int64)

    def cut_positions_by_reachability(self, failed_edges: set[int], failed_vertices: set[int]) -> np.ndarray:
        """Same answer, brute force: what stays connected to the source in networkx once the
        failed elements are removed. Works on any graph; the reference the fast method is tested
        against."""
        g = self.nx
        edges = [(self.edge_u[e], self.edge_v[e], e) for e in failed_edges if self.edge_u[e] != self.edge_v[e]]
        view = nx.restricted_view(g, set(failed_vertices), edges)
        alive = nx.node_connected_component(view, self.source)
        alive_pre = np.zeros(len(self.order), dtype=bool)
        for v in alive:
            if v != self.source:
                alive_pre[self.pre[v]] = True
        # premises are sorted by the preorder of their PBO vertex
        counts = np.diff(self.prem_offset)
        prem_alive = np.repeat(alive_pre, counts)
        prem_alive = np.concatenate([prem_alive, np.ones(len(self.premises_ids) - len(prem_alive), dtype=bool)])
        positions = np.flatnonzero(~prem_alive).astype(np.int64)
        fibre = getattr(self, "fibre", None)
        if fibre is None:
            return positions
        return fibre.combine(positions, np.fromiter(failed_edges, dtype=np.int64, count=len(failed_edges)), failed_vertices)

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
