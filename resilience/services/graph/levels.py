"""The cable-level rule (*niveaux de câbles*): cables of different levels never shortcut each
other at a shared node.

A transport cable (*câble de transport*, NRO → SRO) and a distribution cable (*câble de
distribution*, SRO → PBO) may both end at the same chamber or pole, next to the SRO cabinet,
without a single fibre of one being spliced to the other there: they meet only through the site
(the SRO's patch panel, *tiroirs*) or the enclosure (BPE, PBO) that patches them. Joining every
cable that ends at a node made such a chamber a way around the SRO: cutting the SRO site or its
link cable cut nobody.

GraceTHD fields read:
- `t_cable.cb_typelog` (list l_infra_type_log, our `Cable.role`) gives the level: CO (collecte)
  and TR (transport) are the transport level, DI (distribution) and TD (transport et distribution)
  the distribution level, RA (raccordement) the drop level;
- `t_cable.cb_nd1` / `cb_nd2` (our `Cable.node1/node2`) the nodes the cable ends at;
- `t_sitetech.st_nd_code` (our `Site.node`) and `t_ebp.bp_pt_code` → `t_ptech.pt_nd_code`
  (our `Enclosure.node`) the nodes where something patches the cables ending there.

Rule: at a node holding a site or an enclosure, every cable ending there meets every other (one
vertex, as before). At any other node, cables meet only cables of their own level: the node gets
one vertex per level. A node where a cable of unknown level ends (cb_typelog empty or outside the
list) keeps joining all of them: nothing says they are not spliced there.

Taps (*piquages*): a cable whose route passes a node holding an enclosure is split there (an
enclosure spliced on a through cable is fed from both sides), except a transport-level cable at a
node whose enclosures all serve drops (PBO, BPI, PTO, DTI: `t_ebp.bp_typelog`): a PBO by the road a
transport cable follows patches distribution fibres to drops, never a transport fibre.
"""
from __future__ import annotations

TRANSPORT, DISTRIBUTION, DROP = "transport", "distribution", "drop"
# Enclosures that serve drops (GraceTHD l_bp_type_log): a transport-level cable passing their node
# is not spliced into them (service_graph.py, the taps along a cable's route); a BPE can be.
DROP_ENCLOSURE_TYPES = frozenset({"PBO", "BPI", "PTO", "DTI"})
LEVEL_OF_ROLE = {"CO": TRANSPORT, "TR": TRANSPORT, "DI": DISTRIBUTION, "TD": DISTRIBUTION, "RA": DROP}


def cable_level(role: str | None) -> str | None:
    """Level of a cable from its logical type (cb_typelog); None when unknown."""
    return LEVEL_OF_ROLE.get((role or "").strip().upper())


class LevelRule:
    """Which nodes are split by level: those holding neither a site nor an enclosure where cables
    of at least two known levels, and none of an unknown level, end."""

    def __init__(self, cable_ends, patch_nodes):
        """`cable_ends`: iterable of (node id, role) for each end of each cable edge;
        `patch_nodes`: node ids holding a site or an enclosure."""
        levels: dict[int, set] = {}
        unknown: set[int] = set()
        for node_id, role in cable_ends:
            if node_id in patch_nodes:
                continue
            level = cable_level(role)
            if level is None:
                unknown.add(node_id)
            else:
                levels.setdefault(node_id, set()).add(level)
        self.split_nodes = frozenset(n for n, ls in levels.items() if len(ls) > 1 and n not in unknown)

    def key(self, node_id: int, role: str | None):
        """The vertex key of a cable end: the node itself, or (node, level) at a split node."""
        if node_id in self.split_nodes:
            return (node_id, cable_level(role))
        return node_id
