"""Pure topology of a service graph (*topologie*): no database, no assets, plain integer vertices
and edges. Bridges and 2-edge-connected blocks (Tarjan), the block tree rooted at the source, the
node-level tree T with its preorder intervals, and the vectorised union of those intervals that
turns a batch of cuts into the premises they cut."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TreeStructure:
    """What `tree_structure` computes, by internal vertex (0..n, n = the virtual source)."""

    reached: list  # vertex connected to the source with nothing broken
    bridges: set  # edge numbers of the bridges
    comp: list  # block of each vertex (-1: unreached)
    comp_entry: list  # entry vertex of each block
    comp_nodes: list  # vertices of each block
    tparent: list  # parent of each vertex in T
    parent_edge: list  # for block entries: the bridge (or virtual edge) above them
    bridge_child: dict  # bridge -> its lower end
    inner_adj: dict  # adjacency inside blocks of more than one vertex
    comp_dual_fed: list  # no real cable alone isolates the block from the NROs
    pre: list  # preorder number in T
    size: list  # subtree size in T
    order: list  # vertices in preorder


def tree_structure(n1: int, adj: list, src: int, m: int) -> TreeStructure:
    """Bridges, blocks, the block tree and the preorder of T for the multigraph `adj`
    (adj[v] = [(w, edge number)]), rooted at `src`; edges numbered `m` and above are virtual
    (source -> NRO)."""
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
    reached = [d != -1 for d in disc]

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


    # lower end of each bridge
    bridge_child = {}
    for v in range(n1):
        if v != src and comp[v] >= 0 and comp_entry[comp[v]] == v:
            bridge_child[parent_edge[v]] = v
    # adjacency inside blocks of more than one vertex
    inner_adj: dict[int, list[tuple[int, int]]] = {}
    for members in comp_nodes:
        if len(members) > 1:
            for v in members:
                inner_adj[v] = [(w, e) for w, e in adj[v] if e not in bridges]
    # a block is "dual fed" when no real cable alone isolates it from the NROs
    comp_dual_fed = [
        c == comp[src] or parent_edge[comp_entry[c]] >= m for c in range(len(comp_entry))
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
    return TreeStructure(reached=reached, bridges=bridges, comp=comp, comp_entry=comp_entry, comp_nodes=comp_nodes,
                         tparent=tparent, parent_edge=parent_edge, bridge_child=bridge_child, inner_adj=inner_adj,
                         comp_dual_fed=comp_dual_fed, pre=pre, size=size, order=order)


def union_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of half-open intervals as disjoint sorted intervals (starts, ends), vectorised:
    sort by start, running maximum of the ends, a new interval where a start passes it."""
    if len(starts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    order = np.argsort(starts, kind="stable")
    s = np.asarray(starts, dtype=np.int64)[order]
    e = np.asarray(ends, dtype=np.int64)[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] >= reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(s)) - 1
    return s[first], reach[last]
