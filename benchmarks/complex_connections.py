"""Benchmark of complex-connection detection on a synthetic network built in SQL (no generator
needed): PBOs on poles every 100 m along streets 200 m apart, a street route segment per PBO, a
drop route segment for half of the premises, 8 premises per PBO scattered 5 to 155 m off the street
(1 % of poles HS, a few failure codes, collective buildings without riser, RD statuses).

    .venv/bin/python benchmarks/complex_connections.py --premises 50000 [--keep-network]

Runs against the database of DATABASE_URL / the embedded one (creates network
bench-complex-<N> and organisation bench-complex, removes the network at the end unless
--keep-network). Prints one JSON line per step.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BUILD_SQL = [
    # PBO nodes, poles, enclosures
    """INSERT INTO network_node (network_id, code, geom, node_type, name)
       SELECT %(net)s, 'ND-P' || i, ST_SetSRID(ST_MakePoint(150000 + (i %% %(w)s) * 100, 6800000 + (i / %(w)s) * 200), 2154), 'PT', ''
       FROM generate_series(0, %(pbos)s - 1) i""",
    """INSERT INTO network_supportpoint (network_id, code, node_id, support_type, logical_type, owner, state, status, geom)
       SELECT network_id, 'PT' || substr(code, 3), id, 'A', '', 'RIP', CASE WHEN random() < 0.01 THEN 'HS' ELSE 'OK' END, '', geom
       FROM network_node WHERE network_id = %(net)s""",
    """INSERT INTO network_enclosure (network_id, code, support_id, node_id, enclosure_type, status, connection_failure, geom)
       SELECT network_id, 'BP' || substr(code, 3), id, node_id, 'PBO', '',
              CASE WHEN random() < 0.005 THEN 'FINT11' WHEN random() < 0.005 THEN 'FCLI01' ELSE '' END, geom
       FROM network_supportpoint WHERE network_id = %(net)s""",
    # street segments between consecutive PBOs of a row
    """INSERT INTO network_routesegment (network_id, code, node1_id, node2_id, laying_mode, length_m, status, geom)
       SELECT a.network_id, 'CM-S' || a.id, a.id, b.id, CASE WHEN random() < 0.6 THEN '0' ELSE '7' END, 100, '',
              ST_MakeLine(a.geom, b.geom)
       FROM network_node a JOIN network_node b ON b.network_id = a.network_id AND b.code = 'ND-P' || (substr(a.code, 5)::int + 1)
       WHERE a.network_id = %(net)s AND ST_Y(a.geom) = ST_Y(b.geom)""",
    # premises: 8 per PBO
    """INSERT INTO network_premises (network_id, code, geom, commune_id, address, housing_units, business_units,
                                     connection_status, pbo_id, critical_category, suf_code, has_vertical_cabling)
       SELECT e.network_id, 'AD-' || e.id || '-' || k,
              ST_SetSRID(ST_MakePoint(ST_X(e.geom) + (random() - 0.5) * 100,
                                      ST_Y(e.geom) + (CASE WHEN k %% 2 = 0 THEN 1 ELSE -1 END) * (5 + 150 * power(random(), 4))), 2154),
              '29232', '', CASE WHEN random() < 0.02 THEN 12 ELSE 1 END, 0,
              CASE WHEN random() < 0.01 THEN 'RD' ELSE 'RB' END, e.id,
              CASE WHEN random() < 0.001 THEN 'school' ELSE '' END, '',
              CASE WHEN random() < 0.3 THEN false ELSE NULL END
       FROM network_enclosure e CROSS JOIN generate_series(1, 8) k WHERE e.network_id = %(net)s
       LIMIT %(premises)s""",
    # a drop route segment (PBO node → 3 m before the premises) for half of them
    """INSERT INTO network_routesegment (network_id, code, node1_id, node2_id, laying_mode, length_m, status, geom)
       SELECT p.network_id, 'CM-R' || p.id, e.node_id, e.node_id, '0', ST_Distance(e.geom, p.geom),
              '', ST_MakeLine(e.geom, ST_LineInterpolatePoint(ST_MakeLine(e.geom, p.geom), 0.9))
       FROM network_premises p JOIN network_enclosure e ON e.id = p.pbo_id
       WHERE p.network_id = %(net)s AND p.id %% 2 = 0 AND ST_Distance(e.geom, p.geom) > 5""",
    "ANALYZE network_node", "ANALYZE network_supportpoint", "ANALYZE network_enclosure",
    "ANALYZE network_routesegment", "ANALYZE network_premises",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--premises", type=int, default=50000)
    parser.add_argument("--keep-network", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from complex_connections.models import ComplexConnection
    from network.models import Network, Premises, RouteSegment
    from complex_connections.services.detect import detect_complex_connections
    from complex_connections.services.export import totals
    from organisations.models import Organisation, OrganisationKind

    slug = f"bench-complex-{args.premises}"
    org, _ = Organisation.objects.get_or_create(slug="bench-complex", defaults={"name": "bench", "kind": OrganisationKind.SYNDICATE})
    old = Network.objects.filter(slug=slug).first()
    if old is not None:
        drop_network(connection, old)
    net = Network.objects.create(slug=slug, name=slug, owner=org, departement_id="29")
    pbos = (args.premises + 7) // 8
    params = {"net": net.pk, "pbos": pbos, "w": 200, "premises": args.premises}
    started = time.monotonic()
    with connection.cursor() as cursor:
        for sql in BUILD_SQL:
            cursor.execute(sql, params)
    print(json.dumps({"step": "build", "premises": Premises.objects.filter(network=net).count(),
                      "segments": RouteSegment.objects.filter(network=net).count(),
                      "seconds": round(time.monotonic() - started, 1)}), flush=True)
    for step in ("first_run", "rerun"):
        result = detect_complex_connections(net)
        print(json.dumps({"step": step, **result.as_dict()}), flush=True)
    started = time.monotonic()
    rows = totals(ComplexConnection.objects.filter(network=net), "commune")
    print(json.dumps({"step": "totals_by_commune", "rows": len(rows), "seconds": round(time.monotonic() - started, 2)}))
    if not args.keep_network:
        drop_network(connection, net)


def drop_network(connection, net):
    with connection.cursor() as cursor:  # faster than the ORM cascade, and in PROTECT order
        for table in ("complexconnection", "premises", "routesegment", "enclosure", "supportpoint", "node"):
            cursor.execute(f"DELETE FROM network_{table} WHERE network_id = %s", [net.pk])
    net.delete()


if __name__ == "__main__":
    main()
