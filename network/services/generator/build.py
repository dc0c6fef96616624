"""Running the stages and writing the result into a network (one transaction, held by the caller)."""
import time

import numpy as np
from django.db import connection

from . import params
from .attributes import draw_attributes
from .communes import load_communes
from .placement import place_premises
from .fibres import write_fibres
from .roads import build_roads, place_along_streets
from .routes import build_along_roads, support_index
from .routing import route
from .routes import _SUPPORT_OF_MODE
from .topology import CO, DI, TR, build_topology
from .attributes import draw_failures
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
                    "network_cableroute", "network_enclosure", "network_premises", "network_deliveredrow")


def generate_network(network, departement: str, premises: int, seed: int, log=None, around: str | None = None,
                     fibres: bool = False) -> dict:
    """Generate `premises` premises and their network into `network` (expected empty), centred on
    the commune `around` (INSEE code) when given; with `fibres`, the fibre-level tables too
    (t_fibre, t_cassette, t_position, t_ropt: see fibres.py). Returns the count of each object
    written and the time of each stage."""
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
    roads = build_roads(place, rng(5))
    foot = place_along_streets(place, roads, communes.geoms, rng(6))
    lap("roads")
    topo = build_topology(place.xy, place.commune, rng(3), roads=roads, foot=foot)
    fine, paths = route(roads, topo, *foot)
    topo.premises_pbo, topo.pbo_sro = paths.premises_pbo, paths.pbo_sro
    lap("topology")
    phys = build_along_roads(topo, fine, paths, roads, place.xy, rng(4))
    phys.rng_failures = rng(7)
    lap("routes")
    counts = _write(network, departement, communes, place, attrs, topo, phys, paths)
    counts["drops_m"] = drop_figures(place.xy, roads, foot, topo, paths)
    lap("write")
    ids = counts.pop("_ids")
    if fibres:
        counts["fibre_rows"] = write_fibres(network, departement, topo, paths, ids)
        lap("fibres")
    # Fresh planner statistics for the rows just COPYed (ANALYZE counts them, even inside the caller's
    # transaction): with the statistics of near-empty tables the planner picks nested loops for the
    # export, exposure and commune queries, which then crawl (a 5 000-premises export ran > 13 min).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(GENERATED_TABLES))
    lap("analyze")
    counts["timings_s"] = timings
    return counts


def drop_figures(xy, roads, foot, topo, paths) -> dict:
    """Median and 90th percentile of the drops (m): straight from the premises to its PBO (what
    complex_connections measures), and along the road (PBO → point in front of the house along
    the road, then straight across the plot)."""
    edge, t = foot
    a, b = roads.xy[roads.a[edge]], roads.xy[roads.b[edge]]
    front = a + (b - a) * t[:, None]
    along = paths.drop_road_m + np.hypot(*(xy - front).T)
    pbo_xy = topo.key_xy[topo.n_nro + topo.n_sro + paths.premises_pbo]
    straight = np.hypot(*(xy - pbo_xy).T)
    q = lambda v, p: round(float(np.percentile(v, p)), 1) if len(v) else 0.0  # noqa: E731
    return {"straight_p50": q(straight, 50), "straight_p90": q(straight, 90),
            "road_p50": q(along, 50), "road_p90": q(along, 90)}


def _write(network, dep, communes, place, attrs, topo, phys, paths) -> dict:
    net = network.pk
    n_nodes, n_sites, n_sup = len(phys.node_xy), topo.n_nro + topo.n_sro, len(phys.sup_node)
    n_seg, n_cab, n_pbo, n_prem = len(phys.seg_n1), len(paths.link_a), topo.n_pbo, len(place.xy)
    n_rows = len(phys.seg_link)
    with connection.cursor() as cur:
        node_ids = reserve_ids(cur, "network_node", n_nodes)
        site_ids = reserve_ids(cur, "network_site", n_sites)
        sup_ids = reserve_ids(cur, "network_supportpoint", n_sup)
        seg_ids = reserve_ids(cur, "network_routesegment", n_seg)
        cab_ids = reserve_ids(cur, "network_cable", n_cab)
        route_ids = reserve_ids(cur, "network_cableroute", n_rows)
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

        cable_xy = to_storage(phys.cable_xy, communes.srid)
        capacity = np.where(paths.link_role == DI, _capacity(paths.link_served),
                            np.where(paths.link_role == TR, params.TRANSPORT_CAPACITY, params.COLLECT_CAPACITY))
        cable_codes = codes(f"CB{dep}", n_cab)
        copy_rows(cur, "network_cable", {
            "id": cab_ids, "network_id": net, "code": cable_codes,
            "node1_id": node_ids[paths.link_a], "node2_id": node_ids[paths.link_b], "role": paths.link_role,
            "capacity": capacity, "length_m": phys.link_length, "status": "REC",
            "geom": ewkb_lines(cable_xy, phys.cable_pts_link),
        })
        copy_rows(cur, "network_cableroute", {
            "id": route_ids, "cable_id": cab_ids[phys.seg_link], "segment_id": seg_ids[phys.route_segment],
            "position": phys.seg_pos,
        })

        di = np.flatnonzero(paths.link_role == DI)
        pbo_kind = np.empty(n_pbo, dtype="<U1")
        pbo_kind[paths.link_b[di] - n_sites] = [_SUPPORT_OF_MODE[m] for m in phys.link_mode[di]]
        pbo_sup = support_index(phys, pbo_nodes, pbo_kind)
        failure = draw_failures(n_pbo, phys.rng_failures)
        pbo_codes = codes(f"BP{dep}", n_pbo)
        copy_rows(cur, "network_enclosure", {
            "id": bp_ids, "network_id": net, "code": pbo_codes,
            "support_id": sup_ids[pbo_sup], "node_id": node_ids[pbo_nodes], "enclosure_type": "PBO", "status": "REC",
            "connection_failure": failure, "geom": node_geom[pbo_nodes],
        })

        vertical = np.where(attrs.vertical == 1, "t", np.where(attrs.vertical == 0, "f", "\\N"))
        suf_codes = codes(f"SF{dep}", n_prem)
        copy_rows(cur, "network_premises", {
            "id": ad_ids, "network_id": net, "code": codes(f"AD{dep}", n_prem),
            "geom": ewkb_points(to_storage(place.xy, communes.srid)), "commune_id": communes.insee[place.commune],
            "address": np.array(place.address, dtype=object), "housing_units": attrs.housing,
            "business_units": attrs.business, "connection_status": attrs.status, "pbo_id": bp_ids[topo.premises_pbo],
            "critical_category": attrs.critical, "suf_code": suf_codes, "has_vertical_cabling": vertical,
        })
    roles = {role: int((paths.link_role == role).sum()) for role in (TR, DI, CO)}
    return {
        "premises": n_prem, "nro": topo.n_nro, "sro": topo.n_sro, "pbo": n_pbo, "nodes": n_nodes,
        "supports": n_sup, "segments": n_seg, "cables": n_cab, "cables_by_role": roles, "cable_routes": n_rows,
        "critical_sites": int((attrs.critical != "").sum()),
        "_ids": {"cable_codes": cable_codes, "pbo_codes": pbo_codes, "suf_codes": suf_codes},
    }
