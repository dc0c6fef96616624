"""Asset tables of a service graph (*tables des équipements*): segments, supports, sites and
enclosures by index, code and node, and which segments a support carries. No topology here."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import arrays

if TYPE_CHECKING:
    from .rows import NetworkRows

# Which segments ending at its node a support carries, by support type (pt_typephy) and laying mode
# (cm_typ_imp): a pole the aerial ones, a façade anchor the façade ones, a chamber the underground
# ones, a building support the in-building ones; any other type (or unknown) all of them.
SUPPORT_CARRIES = {
    "A": frozenset({"0", "1"}),
    "F": frozenset({"2"}),
    "C": frozenset({"4", "5", "6", "7", "8"}),
    "I": frozenset({"3"}),
}


class AssetTables:
    """Index of every asset of one network version (mixed into ServiceGraph). `_vertex(node_id)`
    is given by the graph: sites and enclosures always have a vertex of their own node."""

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

    def segments_of_support(self, i: int) -> list[int]:
        """Segments support i carries: those ending at its node, of a laying mode its type carries."""
        at_node = self.node_segments.get(self.support_node[i], ())
        modes = SUPPORT_CARRIES.get(self.support_type[i])
        if modes is None:
            return list(at_node)
        return [s for s in at_node if self.segment_mode[s] in modes]

    def segments_of_supports(self, supports) -> set[int]:
        """The segments any of the supports carries, in bulk (one gather over the node's segments,
        then the laying modes each support type carries)."""
        supports = arrays._ints(supports)
        if not len(supports):
            return set()
        segments, owner = arrays.gather(self.node_segments, arrays.column(self.support_node)[supports])
        if not len(segments):
            return set()
        types = arrays.column(self.support_type)[supports][owner]
        modes = arrays.column(self.segment_mode)[segments]
        keep = np.ones(len(segments), dtype=bool)
        for support_type, carried in SUPPORT_CARRIES.items():
            of_type = types == support_type
            keep[of_type] = np.isin(modes[of_type], list(carried))
        return set(segments[keep].tolist())

    def segments_of_supports_one_by_one(self, supports) -> set[int]:
        """The reference of `segments_of_supports` (tests compare both)."""
        out = set()
        for i in supports:
            out.update(self.segments_of_support(i))
        return out

    def vertices_of_sites(self, sites) -> set[int]:
        return {self.node_index[self.site_node[i]] for i in sites}
