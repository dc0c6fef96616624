"""Running the stages and writing the result into a network (one transaction, held by the caller)."""
import time

import numpy as np
from django.db import connection

from . import params
from .attributes import draw_attributes
from .communes import load_communes
from .placement import place_premises
from .routes import build_physical, pbo_support_kind, support_index
from .topology import CO, DI, TR, build_topology
from .writer import codes, copy_rows, ewkb_lines, ewkb_points, reserve_ids, to_storage


class GenerationError(ValueError):
    """The generation cannot run with these inputs (field, reason)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _capacity(served: np.ndarray) -> np.ndarray:
    sizes = np.array(params.CABLE_SIZES)
    idx = np.searchsorted(sizes, np.ceil(served * 1.2))
    return sizes[np.minimum(idx, len(sizes) - 1)]


GENERATED_TABLES = ("network_node", "network_site", "network_supportpoint", "network_routesegment", "network_cable",
                    "network_cableroute", "network_enclosure", "network_premises")


def generate_network(network, departement: str, premises: int, seed: int, log=None, around: str | None = None) -> dict:
    """Generate `premises` premises and their network into `network` (expected empty), centred on
    the commune `around` (INSEE code) when given. Returns the count of each object written and the
    time of each stage."""
    if premises <= 0:
        raise GenerationError("premises", "must be a positive number")
    if seed < 0:
        raise GenerationError("seed", "must be zero or positive")
    if premises > params.MAX_PREMISES:
        raise GenerationError("premises", f"at most {params.MAX_PREMISES}")
    timings = {}
    t0 = time.perf_counter()

    def lap(name):
        nonlocal t0
        now = time.perf_counter()
        timings[name] = round(now - t0, 2)
        t0 = now
        if log:
            log(f"{name}: {timings[name]} s")

    communes = load_communes(departement, network.local_srid)
    if not len(communes):
        raise GenerationError("departement", f"unknown département or no commune loaded for {departement!r}")
    if around is not None and around not in set(communes.insee.tolist()):
        raise GenerationError("around", f"commune {around!r} is not in département {departement}")
    rng = lambda stage: np.random.default_rng([seed, stage])  # noqa: E731  one stream per stage
    place = place_premises(communes, premises, rng(1), around)
    attrs = draw_attributes(place, rng(2))
    lap("placement")
    topo = build_topology(place.xy, place.commune, rng(3))
    lap("topology")
    phys = build_physical(topo, place.xy, rng(4))
    lap("routes")
    counts = _write(network, departement, communes, place, attrs, topo, phys)
    lap("write")
    # Fresh planner statistics for the rows just COPYed (ANALYZE counts them, even inside the caller's
    # transaction): with the statistics of near-empty tables the planner picks nested loops for the
    # export, exposure and commune queries, which then crawl (a 5 000-premises export ran > 13 min).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(GENERATED_TABLES))
    lap("analyze")
    counts["timings_s"] = timings
    return counts


def _write(network, dep, communes, place, attrs, topo, phys) -> dict:
    net = network.pk
    n_nodes, n_sites, n_sup = len(phys.node_xy), topo.n_nro + topo.n_sro, len(phys.sup_node)
    n_seg, n_cab, n_pbo, n_prem = len(phys.seg_n1), len(topo.link_a), topo.n_pbo, len(place.xy)
    with connection.cursor() as cur:
        node_ids = reserve_ids(cur, "network_node", n_nodes)
        site_ids = reserve_ids(cur, "network_site", n_sites)
        sup_ids = reserve_ids(cur, "network_supportpoint", n_sup)
        seg_ids = reserve_ids(cur, "network_routesegment", n_seg)
        cab_ids = reserve_ids(cur, "network_cable", n_cab)
        route_ids = reserve_ids(cur, "network_cableroute", n_seg)
        bp_ids = reserve_ids(cur, "network_enclosure", n_pbo)
        ad_ids = reserve_ids(cur, "network_premises", n_prem)

        # lengths in true metres (generation projection), geometries in the storage SRID
        node_xy = to_storage(phys.node_xy, communes.srid)
        node_geom = ewkb_points(node_xy)
        node_type = np.full(n_nodes, "PT")
        node_type[:n_sites] = "ST"
        copy_rows(cur, "network_node", {
            "id": node_ids, "network_id": net, "code": codes(f"ND{dep}", n_nodes),
            "geom": node_geom, "node_type": node_type, "name": "",
        })

        names = np.array(communes.names, dtype=object)[topo.key_commune[:n_sites]]
        site_names = [f"NRO {c}" if i < topo.n_nro else f"PM {c}" for i, c in enumerate(names)]
        site_type = np.where(np.arange(n_sites) < topo.n_nro, "NRO", "SRO")
        copy_rows(cur, "network_site", {
            "id": site_ids, "network_id": net, "code": codes(f"ST{dep}", n_sites),
            "node_id": node_ids[:n_sites], "name": np.array(site_names, dtype=object), "site_type": site_type,
            "physical_type": np.where(site_type == "NRO", "SHE", "ADR"), "status": "REC", "geom": node_geom[:n_sites],
        })

        pbo_nodes = np.arange(n_sites, n_sites + n_pbo)
        logical = np.where(np.isin(phys.sup_node, pbo_nodes), "R", "T")
        copy_rows(cur, "network_supportpoint", {
            "id": sup_ids, "network_id": net, "code": codes(f"PT{dep}", n_sup),
            "node_id": node_ids[phys.sup_node], "support_type": phys.sup_type, "logical_type": logical,
            "owner": phys.sup_owner, "state": phys.sup_state, "status": "REC", "geom": node_geom[phys.sup_node],
        })

        seg_len = np.hypot(*(phys.node_xy[phys.seg_n2] - phys.node_xy[phys.seg_n1]).T)
        seg_coords = np.stack([node_xy[phys.seg_n1], node_xy[phys.seg_n2]], axis=1).reshape(-1, 2)
        copy_rows(cur, "network_routesegment", {
            "id": seg_ids, "network_id": net, "code": codes(f"CM{dep}", n_seg),
            "node1_id": node_ids[phys.seg_n1], "node2_id": node_ids[phys.seg_n2], "laying_mode": phys.seg_mode,
            "length_m": seg_len, "status": "REC", "geom": ewkb_lines(seg_coords, np.repeat(np.arange(n_seg), 2)),
        })

        ends = phys.link_span_start + phys.link_spans
        cable_pts = np.insert(phys.seg_n1, ends, phys.seg_n2[ends - 1])
        cable_len = np.bincount(phys.seg_link, seg_len, minlength=n_cab)
        capacity = np.where(topo.link_role == DI, _capacity(topo.link_served),
                            np.where(topo.link_role == TR, params.TRANSPORT_CAPACITY, params.COLLECT_CAPACITY))
        copy_rows(cur, "network_cable", {
            "id": cab_ids, "network_id": net, "code": codes(f"CB{dep}", n_cab),
            "node1_id": node_ids[topo.link_a], "node2_id": node_ids[topo.link_b], "role": topo.link_role,
            "capacity": capacity, "length_m": cable_len, "status": "REC",
            "geom": ewkb_lines(node_xy[cable_pts], np.repeat(np.arange(n_cab), phys.link_spans + 1)),
        })
        copy_rows(cur, "network_cableroute", {
            "id": route_ids, "cable_id": cab_ids[phys.seg_link], "segment_id": seg_ids,
            "position": phys.seg_pos,
        })

        pbo_sup = support_index(phys, pbo_nodes, pbo_support_kind(topo, phys))
        copy_rows(cur, "network_enclosure", {
            "id": bp_ids, "network_id": net, "code": codes(f"BP{dep}", n_pbo),
            "support_id": sup_ids[pbo_sup], "node_id": node_ids[pbo_nodes], "enclosure_type": "PBO", "status": "REC",
            "connection_failure": "", "geom": node_geom[pbo_nodes],
        })

        vertical = np.where(attrs.vertical == 1, "t", np.where(attrs.vertical == 0, "f", "\\N"))
        copy_rows(cur, "network_premises", {
            "id": ad_ids, "network_id": net, "code": codes(f"AD{dep}", n_prem),
            "geom": ewkb_points(to_storage(place.xy, communes.srid)), "commune_id": communes.insee[place.commune],
            "address": np.array(place.address, dtype=object), "housing_units": attrs.housing,
            "business_units": attrs.business, "connection_status": attrs.status, "pbo_id": bp_ids[topo.premises_pbo],
            "critical_category": attrs.critical, "suf_code": codes(f"SF{dep}", n_prem), "has_vertical_cabling": vertical,
        })
    roles = {role: int((topo.link_role == role).sum()) for role in (TR, DI, CO)}
    return {
        "premises": n_prem, "nro": topo.n_nro, "sro": topo.n_sro, "pbo": n_pbo, "nodes": n_nodes,
        "supports": n_sup, "segments": n_seg, "cables": n_cab, "cables_by_role": roles, "cable_routes": n_seg,
        "critical_sites": int((attrs.critical != "").sum()),
    }
