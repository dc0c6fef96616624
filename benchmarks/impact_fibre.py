"""Benchmark of the fibre-level service paths (resilience/services/graph/fibre_paths.py) on a
network already in the database.

    .venv/bin/python -m benchmarks impact_fibre --network SLUG [--cuts 1000,5000] [--repeats 20] [--seed 1] [--keep] [--splices]

When the network delivered no `t_ropt`, SYNTHETIC optical routes are written first (and deleted
after unless --keep), derived from the cable-level graph: for each served premises, the cables of
its cable-level path to the NRO, PBO side first, as `t_ropt` rows (one fibre per cable, `FO-SYN-…`,
plus one drop fibre per premises), `t_fibre` rows (fibre → cable) and one `t_position` per premises
naming its SUF (`ps_preaff`) on its drop fibre. With `--splices`, also the splices a delivery
holds: one `t_position` per pair of consecutive fibres of a route (ps_2 the premises side, ps_1 the
NRO side) in a `t_cassette` of the enclosure where their cables meet, the drop fibre's end in its
PBO's cassette, and the route's end in a patch panel of its NRO (`t_tiroir` → `t_baie` →
`t_ltech`). They are labelled `synthetic: true` in the output: the shape (route length, rows
count) follows the generated network, not a real delivery.

Measures: the reader (`read_routes`, SQL), the graph build with and without the routes, batch
impact of k random failed segments (p50 / p95 ms, fibre-level and cable-level side by side), a
single cut (p50 ms) and the routes of one premises read alone, as a trace does (`read_routes_of`,
20 random routed premises). Nothing asserts times; figures go to benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

SYN_PREFIX = "FO-SYN-"


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def _joints(graph, path) -> tuple[list[str], list[int]]:
    """The cables of a cable-level path (PBO side first) and the node id where each one meets
    the next (then the node at the path's NRO end)."""
    cables, joints = [], []
    for e, _a, b in path:
        cb = graph.cable_codes[graph.edge_cable[e]]
        if cables and cables[-1] == cb:
            joints[-1] = graph.node_ids[b]
        elif cb in cables:  # a cable met twice: keep its first run (as dict.fromkeys did)
            continue
        else:
            cables.append(cb)
            joints.append(graph.node_ids[b])
    return cables, joints


def write_synthetic_routes(network, graph, splices: bool = False) -> dict:
    """Synthetic t_ropt / t_fibre / t_position rows from the cable-level paths (see the module
    docstring); with `splices`, also the splices between a route's consecutive fibres (ps_2 the
    premises side, ps_1 the NRO side, in a `t_cassette` of the enclosure where the cables meet when
    there is one), the drop fibre's in its PBO's cassette, and the route's end in a patch panel
    of its NRO (`t_tiroir` → `t_baie` → `t_ltech` → the site). Returns the rows counts."""
    from django.db import connection, transaction

    from network.models import DeliveredTable, Premises
    from resilience.services.graph import path_to_nro, vertex_of_enclosure

    suf = dict(Premises.objects.filter(network=network).values_list("id", "suf_code"))
    enclosure_code = {eid: graph.enclosure_codes[i] for eid, i in graph.enclosure_index.items()}
    cables_of_pbo: dict[int, tuple] = {}
    ropt, fibres, positions, spliced, cassettes, nro_panels = [], {}, [], {}, {}, {}

    def cassette_of(enclosure: str) -> str:
        cs = f"CS-SYN-{enclosure}"
        cassettes[cs] = enclosure
        return cs

    def cassette_at(node_id) -> str:
        found = graph.node_enclosures.get(node_id)
        return cassette_of(graph.enclosure_codes[found[0]]) if found else ""

    for pos, pid in enumerate(graph.premises_ids.tolist()):
        pbo = graph.premises_pbo[pos]
        sf = suf.get(pid)
        if pbo is None or not sf:
            continue
        if pbo not in cables_of_pbo:
            cables_of_pbo[pbo] = _joints(graph, path_to_nro(graph, vertex_of_enclosure(graph, pbo)))
        cables, joints = cables_of_pbo[pbo]
        if not cables:
            continue
        rt = f"RT-SYN-{pid}"
        drop = f"{SYN_PREFIX}{pid}"
        fibres[drop] = cables[0]
        ropt.append((rt, drop))
        route = [drop]
        for cb in cables[1:]:
            fo = f"{SYN_PREFIX}{cb}"
            fibres[fo] = cb
            ropt.append((rt, fo))
            route.append(fo)
        if not splices:
            positions.append((f"PS-SYN-{pid}", drop, "", "", "", sf))
            continue
        # the drop fibre's end in its PBO (naming the SUF), then one splice per pair of
        # consecutive fibres where their cables meet (premises side ps_2, NRO side ps_1)
        positions.append((f"PS-SYN-{pid}", drop, "", cassette_of(enclosure_code[pbo]), "", sf))
        if len(route) > 1:
            positions.append((f"PS-SYN-{pid}-1", route[1], drop, cassette_at(joints[0]), "", ""))
        for k in range(1, len(route) - 1):  # shared by every route through both cables
            spliced.setdefault((route[k + 1], route[k]), cassette_at(joints[k]))
        nro = next((graph.site_codes[i] for i in graph.node_sites.get(joints[-1], ()) if graph.site_type[i] == "NRO"), None)
        if nro is not None:
            ti = nro_panels.setdefault(nro, f"TI-SYN-{nro}")
            spliced.setdefault(("", route[-1]), ti)
    for k, ((f1, f2), via) in enumerate(spliced.items()):
        at_nro = via.startswith("TI-SYN-")
        positions.append((f"PS-SYN-S{k}", f1, f2, "" if at_nro else via, via if at_nro else "", ""))
    tables = {
        "t_ropt": (["rt_code", "rt_fo_code", "rt_fo_ordr"], [(rt, fo, "") for rt, fo in ropt], 0),
        "t_fibre": (["fo_code", "fo_cb_code"], list(fibres.items()), 0),
        "t_position": (["ps_code", "ps_1", "ps_2", "ps_cs_code", "ps_ti_code", "ps_preaff"], positions, 0),
    }
    if splices:
        tables["t_cassette"] = (["cs_code", "cs_bp_code"], list(cassettes.items()), 0)
        tables["t_tiroir"] = (["ti_code", "ti_ba_code"], [(ti, f"BA-SYN-{st}") for st, ti in nro_panels.items()], 0)
        tables["t_baie"] = (["ba_code", "ba_lt_code"], [(f"BA-SYN-{st}", f"LT-SYN-{st}") for st in nro_panels], 0)
        tables["t_ltech"] = (["lt_code", "lt_st_code"], [(f"LT-SYN-{st}", st) for st in nro_panels], 0)
    with transaction.atomic():
        for name, (fields, rows, _) in tables.items():
            table = DeliveredTable.objects.create(network=network, name=name, fields=fields, rows_count=len(rows),
                                                  digest="synthetic-benchmark")
            with connection.cursor() as cur:
                # one COPY per table, like the import
                with cur.copy("COPY network_deliveredrow (table_id, position, code, data) FROM STDIN") as copy:
                    for k, row in enumerate(rows):
                        copy.write_row((table.pk, k + 1, row[0], json.dumps(dict(zip(fields, row)))))
    return {name: len(rows) for name, (_f, rows, _) in tables.items()}


def drop_synthetic_routes(network) -> None:
    from django.db import connection

    with connection.cursor() as cur:  # set-based: the ORM's cascade would fetch every row first
        cur.execute("""DELETE FROM network_deliveredrow WHERE table_id IN (SELECT id FROM network_deliveredtable
                       WHERE network_id = %s AND digest = 'synthetic-benchmark')""", [network.pk])
        cur.execute("DELETE FROM network_deliveredtable WHERE network_id = %s AND digest = 'synthetic-benchmark'",
                    [network.pk])


def run(network, cuts=(1000, 5000), repeats: int = 20, seed: int = 1, keep: bool = False, splices: bool = False) -> dict:
    from network.models import DeliveredTable
    from resilience.services.graph import ServiceGraph, batch_impact, load_rows
    from resilience.services.graph.fibre_paths import read_routes, read_routes_of
    from resilience.services.impact import impact_on_graph

    out: dict = {"benchmark": "impact_fibre", "network": network.slug}
    rows = load_rows(network)
    rows.fibre_routes = None  # read again below, timed: not two copies alive at once
    synthetic = not DeliveredTable.objects.filter(network=network, name="t_ropt", rows_count__gt=0).exists()
    out["synthetic"] = synthetic
    if synthetic:
        rows.fibre_routes = None
        cable_graph = ServiceGraph(rows)
        t0 = time.perf_counter()
        drop_synthetic_routes(network)  # a previous run stopped before its clean-up
        out["synthetic_rows"] = write_synthetic_routes(network, cable_graph, splices)
        out["synthetic_splices"] = splices
        out["synthetic_write_s"] = round(time.perf_counter() - t0, 2)
    try:
        t0 = time.perf_counter()
        routes = read_routes(network.pk)
        out["reader_s"] = round(time.perf_counter() - t0, 3)
        out["route_rows"] = len(routes.elements)
        rows.fibre_routes = None
        t0 = time.perf_counter()
        cable_graph = ServiceGraph(rows)
        out["build_cable_level_s"] = round(time.perf_counter() - t0, 3)
        rows.fibre_routes = routes
        t0 = time.perf_counter()
        graph = ServiceGraph(rows)
        out["build_fibre_s"] = round(time.perf_counter() - t0, 3)
        out["premises_served"] = len(graph.premises_ids)
        out["premises_with_fibre_path"] = graph.fibre_path_premises
        out["service_paths"] = graph.service_model
        out["dropped_routes"] = graph.fibre.dropped() if graph.fibre is not None else {}
        rng = random.Random(seed)
        n_seg = len(graph.segment_codes)
        for k in cuts:
            fibre_ms, cable_ms, cut_f, cut_c = [], [], 0, 0
            for _ in range(repeats):
                segments = rng.sample(range(n_seg), min(k, n_seg))
                t0 = time.perf_counter()
                hit_f = batch_impact(graph, segments)
                fibre_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                hit_c = batch_impact(cable_graph, segments)
                cable_ms.append((time.perf_counter() - t0) * 1000)
                cut_f, cut_c = len(hit_f), len(hit_c)
                if synthetic:
                    # routes follow the cable-level paths: the fibre answer cuts at least the same
                    # premises (more where a ring would have rerouted them, or a cable is cut
                    # downstream of the tap its fibre leaves by: a route has no backup, a fibre
                    # is taken to run its whole cable)
                    ids_f, ids_c = set(graph.premises_ids[hit_f].tolist()), set(cable_graph.premises_ids[hit_c].tolist())
                    assert ids_c <= ids_f, (k, len(ids_c - ids_f))
            out[f"batch_{k}_fibre_p50_ms"] = round(percentile(fibre_ms, 50), 2)
            out[f"batch_{k}_fibre_p95_ms"] = round(percentile(fibre_ms, 95), 2)
            out[f"batch_{k}_cable_level_p50_ms"] = round(percentile(cable_ms, 50), 2)
            out[f"batch_{k}_premises_cut_fibre_last"] = cut_f
            out[f"batch_{k}_premises_cut_cable_level_last"] = cut_c
        single = []
        for _ in range(max(repeats, 50)):
            s = rng.randrange(n_seg)
            t0 = time.perf_counter()
            impact_on_graph(graph, [s])
            single.append((time.perf_counter() - t0) * 1000)
        out["single_cut_p50_ms"] = round(percentile(single, 50), 3)
        out["single_cut_p95_ms"] = round(percentile(single, 95), 3)
        # a trace reads its premises' routes alone (`read_routes_of`, GIN look-ups), not the whole read above
        routed = sorted({pid for _rt, pid in routes.premises})
        traced = []
        for pid in rng.sample(routed, min(20, len(routed))):
            t0 = time.perf_counter()
            alone = read_routes_of(network.pk, pid)
            traced.append((time.perf_counter() - t0) * 1000)
            assert alone.premises, pid
        out["trace_routes_of_one_premises_p50_ms"] = round(percentile(traced, 50), 1)
        out["trace_routes_of_one_premises_p95_ms"] = round(percentile(traced, 95), 1)
    finally:
        if synthetic and not keep:
            drop_synthetic_routes(network)
    return out


def main(argv=None):
    from network.models import Network

    parser = argparse.ArgumentParser(prog="python -m benchmarks impact_fibre")
    parser.add_argument("--network", required=True)
    parser.add_argument("--cuts", default="1000,5000")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic routes written")
    parser.add_argument("--splices", action="store_true",
                        help="synthetic routes with their splices: cassettes, enclosures, NRO patch panels")
    args = parser.parse_args(argv)
    network = Network.objects.get(slug=args.network)
    result = run(network, tuple(int(k) for k in args.cuts.split(",")), args.repeats, args.seed, args.keep, args.splices)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
