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

Cable levels
------------
Cables of different levels (transport, distribution, drop: GraceTHD `cb_typelog`) never shortcut
each other at a node holding neither a site nor an enclosure: such a node is one vertex per level
(levels.py, docs/impact.md).

Package layout (the narrow interface the other services use)
-----------------------------------------------------------
- `rows`: `NetworkRows`, `load_rows(network)`: the rows a graph is built from;
- `topology`: pure functions on integer graphs (bridges, blocks, preorder, union of intervals);
- `levels`: the cable-level rule;
- `assets`: the asset tables (segments, supports, sites, enclosures by index, code, node);
- `service_graph`: `ServiceGraph`, built from rows;
- `facade`: what the other services ask a graph: `impact`, `downstream`, `blocks_touched`,
  `vertex_of_site`, `vertex_of_enclosure`, `is_served`, `is_dual_fed`, `path_to_nro`;
- `cache`: `get_service_graph(network)` keeps one graph per network in the process, keyed by
  (network id, Network.version): rebuilt when the version changes, never per request.
"""
from .assets import SUPPORT_CARRIES
from .cache import RETRY_AFTER_S, GraphCache, GraphNotReady, get_request_graph, get_service_graph, graph_cache
from .facade import (
    batch_impact, blocks_touched, downstream, impact, impact_ranges, is_dual_fed, is_served, model_summary, node_of_vertex, path_to_nro,
    vertex_of_enclosure, vertex_of_site,
)
from .levels import cable_level
from .rows import NetworkRows, load_rows
from .service_graph import SOURCE, ServiceGraph

__all__ = [
    "RETRY_AFTER_S", "SOURCE", "SUPPORT_CARRIES", "GraphCache", "GraphNotReady", "get_request_graph", "NetworkRows",
    "ServiceGraph", "batch_impact", "blocks_touched", "cable_level",
    "downstream", "get_service_graph", "graph_cache", "impact", "impact_ranges", "is_dual_fed", "is_served",
    "load_rows", "model_summary", "node_of_vertex", "path_to_nro", "vertex_of_enclosure", "vertex_of_site",
]
