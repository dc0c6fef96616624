"""Set-based detection of complex connections over a whole network.

One SQL statement measures, for every premises of the network, what the rules need
(`MEASURE_SQL`): straight-line drop to the serving PBO (or, when none is recorded, to the nearest
PBO by KNN `<->`), the nearest route segment by KNN on its GiST index, the failure codes of the
PBO and of a PTO at the premises (`ST_DWithin`), the state of the PBO's support and of the poles at
the ends of the drop route. Only the premises that can fire a rule come back to Python, where
`rules.evaluate` names and explains them and `costs.estimate` prices them; cases are then
created, updated or removed in bulk.

Idempotent: one case per (network, premises) (unique constraint). Re-running:
- creates cases for premises that now fire a rule;
- updates rules, figures and costs of cases still `detected`;
- never touches a case beyond `detected` (in progress, connected or abandoned);
- deletes the cases still `detected` whose premises no longer fire any rule (nobody worked on
  them; the deletion is in the audit trail with the case's last state).

Storm entry point: `StormDamage` (supports destroyed by a storm, premises the impact engine says
need civil works to be restored) can be passed to `detect_complex_connections`; without it the
storm rule uses what the GraceTHD data already says (support state `HS`, *à changer*).
"""
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from complex_connections.models import ComplexConnection, ComplexConnectionStatus
from network.models import Premises
from network.services.measure import storage_scale

from . import rules as R
from .audit import bulk_audit, summary
from .costs import apply_estimate, cost_model_for

# `network_id + 0`: keeps the planner on the GiST index for the spatial probes; otherwise it ANDs
# the probe with a bitmap of the whole network's rows (a full index read per premises).
MEASURE_SQL = """
WITH p AS MATERIALIZED (
    -- every premises with its PBO (recorded, else the nearest by KNN), the PBO's support and a PTO at the premises
    SELECT pr.id AS premises_id, pr.code AS premises_code, pr.geom, pr.housing_units, pr.has_vertical_cabling,
           pr.connection_status, pr.critical_category, pr.commune_id,
           COALESCE(e.code, ne.code) AS pbo_code,
           (e.id IS NOT NULL) AS pbo_assigned,
           COALESCE(e.connection_failure, ne.connection_failure, '') AS pbo_failure,
           ST_Distance(pr.geom, COALESCE(e.geom, ne.geom)) AS drop_m,
           sp.id AS support_id, sp.code AS support_code, sp.support_type, sp.state AS support_state,
           pto.code AS pto_code, COALESCE(pto.connection_failure, '') AS pto_failure
    FROM network_premises pr
    LEFT JOIN network_enclosure e ON e.id = pr.pbo_id
    LEFT JOIN LATERAL (
        SELECT n.code, n.geom, n.connection_failure, n.support_id FROM network_enclosure n
        WHERE pr.pbo_id IS NULL AND n.network_id = %(net)s AND n.enclosure_type = 'PBO'
        ORDER BY n.geom <-> pr.geom LIMIT 1
    ) ne ON true
    LEFT JOIN network_supportpoint sp ON sp.id = COALESCE(e.support_id, ne.support_id)
    LEFT JOIN LATERAL (
        SELECT t.code, t.connection_failure FROM network_enclosure t
        WHERE t.network_id + 0 = %(net)s AND t.enclosure_type = 'PTO' AND t.connection_failure <> ''
          AND ST_DWithin(t.geom, pr.geom, %(pto_m)s)
        ORDER BY t.geom <-> pr.geom LIMIT 1
    ) pto ON true
    WHERE pr.network_id = %(net)s
), down_segments AS MATERIALIZED (
    -- route segments ending on a pole that is down (state HS, or destroyed by the storm passed in)
    SELECT s.id, s.geom FROM network_supportpoint a JOIN network_routesegment s ON s.node1_id = a.node_id
    WHERE a.network_id = %(net)s AND a.support_type = 'A' AND (a.state = 'HS' OR a.id = ANY(%(down)s))
    UNION
    SELECT s.id, s.geom FROM network_supportpoint a JOIN network_routesegment s ON s.node2_id = a.node_id
    WHERE a.network_id = %(net)s AND a.support_type = 'A' AND (a.state = 'HS' OR a.id = ANY(%(down)s))
), near_down AS MATERIALIZED (
    -- premises close to such a segment (GiST probe on the premises, from the few downed segments)
    SELECT DISTINCT pr.id FROM down_segments d
    JOIN network_premises pr ON pr.network_id + 0 = %(net)s AND ST_DWithin(pr.geom, d.geom, %(near)s)
), c AS (
    -- candidates: a cheap superset. Route rules need the nearest route only when no segment lies
    -- within the smallest route threshold (one ST_DWithin probe on the GiST index), or when a
    -- segment ending on a downed pole is that close.
    SELECT p.* FROM p
    WHERE (p.connection_status NOT IN ('AB', 'RA') AND (  -- connection rules: premises still to connect
           p.drop_m IS NULL OR p.drop_m > %(drop)s
           OR upper(p.pbo_failure) = ANY(%(codes)s) OR upper(p.pto_failure) = ANY(%(codes)s)
           OR p.connection_status = 'RD'
           OR (p.housing_units >= %(collective)s AND p.has_vertical_cabling IS FALSE)
           OR NOT EXISTS (
               SELECT 1 FROM network_routesegment s
               WHERE s.network_id + 0 = %(net)s AND ST_DWithin(s.geom, p.geom, %(near)s))))
       OR (p.connection_status IN ('AB', 'RA') AND (  -- storm rule: premises that had service
           p.support_state = 'HS' OR p.support_id = ANY(%(down)s)
           OR p.premises_id IN (SELECT id FROM near_down)))
       OR p.premises_id = ANY(%(storm_premises)s)
)
SELECT c.premises_id, c.premises_code, c.housing_units, c.has_vertical_cabling, c.connection_status,
       c.critical_category, c.commune_id, c.pbo_code, c.pbo_assigned, c.pbo_failure, c.drop_m, c.support_id,
       c.support_code, c.support_type, c.support_state, c.pto_code, c.pto_failure,
       r.code AS route_code, r.laying_mode AS route_mode, r.dist AS route_m,
       (c.support_state = 'HS' OR c.support_id = ANY(%(down)s)) AS support_down,
       hs.code AS route_pole_down,
       (c.premises_id = ANY(%(storm_premises)s)) AS storm_listed
FROM c
LEFT JOIN LATERAL (
    -- the nearest route segment (KNN on the GiST index): the drop route
    SELECT s.code, s.laying_mode, s.node1_id, s.node2_id, ST_Distance(s.geom, c.geom) AS dist
    FROM network_routesegment s WHERE s.network_id = %(net)s
    ORDER BY s.geom <-> c.geom LIMIT 1
) r ON true
LEFT JOIN LATERAL (
    SELECT a.code FROM network_supportpoint a
    WHERE a.node_id IN (r.node1_id, r.node2_id) AND a.support_type = 'A'
      AND (a.state = 'HS' OR a.id = ANY(%(down)s))
    ORDER BY a.code LIMIT 1
) hs ON true
"""

# Figures kept on the case (`inputs`) and fed to the rules, costs and priority.
INPUT_KEYS = (
    "premises_code", "housing_units", "has_vertical_cabling", "connection_status", "critical_category", "commune_id",
    "pbo_code", "pbo_assigned", "pbo_failure", "drop_m", "support_code", "support_type", "support_state",
    "route_code", "route_mode", "route_m", "pto_code", "pto_failure", "support_down", "route_pole_down", "storm_listed",
)
DETECTION_FIELDS = ["rules", "findings", "explanation", "inputs", "cost_breakdown", "estimated_cost", "aid",
                    "remaining_charge", "priority_score", "last_detection_at", "updated_at"]


@dataclass(frozen=True)
class StormDamage:
    """What a storm destroyed, for the storm rule (fed by the impact engine / tickets later).

    support_ids: SupportPoint ids down (treated like state `HS`): a destroyed pole carrying a PBO
        or standing at the end of a drop route means new civil works.
    premises_ids: Premises ids the impact analysis says are without service and need new civil
        works to be restored (the caller decides; the rule trusts it).
    """

    support_ids: frozenset = field(default_factory=frozenset)
    premises_ids: frozenset = field(default_factory=frozenset)


@dataclass
class DetectionResult:
    scanned: int = 0
    candidates: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_in_progress: int = 0
    seconds: float = 0.0
    measure_seconds: float = 0.0  # the SQL statement alone

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def measure(network, storm: StormDamage | None = None, th: dict | None = None) -> list[dict]:
    """The measured rows of the premises that may fire a rule (a superset; `rules.evaluate` decides)."""
    th = th or R.thresholds()
    storm = storm or StormDamage()
    k = storage_scale(network)  # overseas: Lambert-93 units per true metre (network/services/measure.py)
    params = {
        "net": network.pk, "pto_m": th["PTO_MATCH_M"] * k, "drop": th["DROP_LENGTH_M"] * k,
        "route": th["NO_ROUTE_DISTANCE_M"] * k, "near": min(th["NO_ROUTE_DISTANCE_M"], th["PRIVATE_WORKS_M"]) * k,
        "collective": th["COLLECTIVE_MIN_HOUSING"],
        "codes": sorted(R.BLOCKED_CONDUIT_CODES | R.FAILED_ATTEMPT_CODES),
        "down": sorted(storm.support_ids), "storm_premises": sorted(storm.premises_ids),
    }
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("SET LOCAL jit = off")  # JIT compiles for seconds and saves nothing here
        cursor.execute(MEASURE_SQL, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    if k != 1.0:
        for row in rows:
            for key in ("drop_m", "route_m"):
                if row.get(key) is not None:
                    row[key] = float(row[key]) / k
    return rows


def _inputs(row: dict) -> dict:
    out = {k: row.get(k) for k in INPUT_KEYS}
    for k in ("drop_m", "route_m"):
        if out[k] is not None:
            out[k] = round(float(out[k]), 1)
    out["private_m"] = round(R.private_length(out["drop_m"], out["route_m"]), 1)
    out["support_down"] = bool(out["support_down"])
    out["storm_listed"] = bool(out["storm_listed"])
    return out


def detect_complex_connections(network, *, storm: StormDamage | None = None, actor=None, organisation=None) -> DetectionResult:
    """Detect, price and upsert the complex connection cases of `network` (see the module doc)."""
    started = time.monotonic()
    th = R.thresholds()
    result = DetectionResult()
    now = timezone.now()
    with transaction.atomic():
        # One detection per network at a time (a second run waits, then sees the first's cases).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [10, network.pk])
        cost_model = cost_model_for(network)
        measured = time.monotonic()
        rows = measure(network, storm, th)
        result.measure_seconds = round(time.monotonic() - measured, 2)
        result.scanned = Premises.objects.filter(network=network).count()
        existing = {c.premises_id: c for c in ComplexConnection.objects.filter(network=network)}
        to_create, to_update, audits, seen = [], [], [], set()
        for row in rows:
            findings = R.evaluate(row, th)
            if not findings:
                continue
            result.candidates += 1
            pid = row["premises_id"]
            seen.add(pid)
            case = existing.get(pid)
            if case is not None and case.status != ComplexConnectionStatus.DETECTED:
                continue  # in progress, connected or abandoned: never touched by detection
            codes = list(dict.fromkeys(f["rule"] for f in findings))
            if case is None:
                case = ComplexConnection(network=network, premises_id=pid, hard_surface=False)
                before = None
            else:
                before = summary(case)
            old = (case.rules, case.findings, case.estimated_cost, case.inputs)
            case.rules, case.findings = codes, findings
            case.explanation = "\n".join(f["explanation"] for f in findings)
            case.inputs = _inputs(row)
            apply_estimate(case, cost_model, th)
            case.last_detection_at = now
            if before is None:
                to_create.append(case)
            elif (old[0], old[1], str(old[2]), old[3]) != (case.rules, case.findings, str(case.estimated_cost), case.inputs):
                case.updated_at = now
                to_update.append(case)
                audits.append((case, "update", before, summary(case)))
            else:
                result.unchanged += 1
        ComplexConnection.objects.bulk_create(to_create, batch_size=2000)
        audits.extend((case, "create", None, summary(case)) for case in to_create)
        if to_update:
            ComplexConnection.objects.bulk_update(to_update, DETECTION_FIELDS, batch_size=2000)
        stale = [c for pid, c in existing.items() if pid not in seen and c.status == ComplexConnectionStatus.DETECTED]
        if stale:
            audits.extend((c, "delete", summary(c), None) for c in stale)
            ComplexConnection.objects.filter(pk__in=[c.pk for c in stale]).delete()
        # Unchanged cases were confirmed by this run: one UPDATE, no audit row (nothing changed).
        with connection.cursor() as cursor:  # one array parameter, whatever the number of cases
            cursor.execute(
                "UPDATE network_complexconnection SET last_detection_at = %s "
                "WHERE network_id = %s AND status = 'detected' AND premises_id = ANY(%s) "
                "AND last_detection_at IS DISTINCT FROM %s",
                [now, network.pk, sorted(seen), now],
            )
        bulk_audit(audits, actor=actor, organisation=organisation)
        result.created, result.updated, result.removed = len(to_create), len(to_update), len(stale)
        result.kept_in_progress = sum(1 for c in existing.values() if c.status != ComplexConnectionStatus.DETECTED)
    result.seconds = round(time.monotonic() - started, 2)
    return result
