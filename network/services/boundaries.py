"""Loading the boundaries of all of France (network/data/boundaries/) into Departement, Commune and
FormerCommune.

Sources and licences: network/data/boundaries/SOURCES.md. The shipped files are built by
scripts/build_boundaries.py; a newer release loads with the same command
(`manage.py load_boundaries --communes DIR_OR_FILE --current communes.json`).

Communes merged since the geometry's release (*communes nouvelles*) are loaded under their current
code, their geometry the union of their former parts, and every former code is kept in
FormerCommune so that a lookup by it resolves to the current commune (`resolve_commune`, with a
warning).

Written in plain SQL on a cursor so that a data migration can call it without the current model
classes. Simplified boundaries can be invalid: they are repaired with ST_MakeValid (reference
layers, unlike network data, which is refused when invalid). Idempotent: a second run on the same
files changes nothing and returns at once (the files' digest is kept in BoundaryRelease).
"""
import gzip
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import shapely

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "boundaries"
COMMUNES_FILE = DATA_DIR / "communes.jsonl.gz"
CURRENT_FILE = DATA_DIR / "communes-current.json.gz"
DEPARTEMENT_FILES = (DATA_DIR / "departements-version-simplifiee.geojson", DATA_DIR / "departements-outre-mer.geojson")

_REPAIR = "ST_Multi(ST_CollectionExtract(CASE WHEN ST_IsValid(g) THEN g ELSE ST_MakeValid(g) END, 3))"


@dataclass
class LoadResult:
    departements: int = 0
    communes: int = 0
    former_codes: int = 0
    merged: int = 0            # current communes built as the union of several former ones
    skipped: bool = False      # same files as the last load: nothing done
    warnings: list = field(default_factory=list)

    def as_tuple(self) -> tuple:
        return self.departements, self.communes


def departement_of(insee: str) -> str:
    """The département code of a commune code (97x overseas, 2A/2B Corsica)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def _open_text(path: Path) -> str:
    data = path.read_bytes()
    return gzip.decompress(data).decode("utf-8") if data[:2] == b"\x1f\x8b" else data.decode("utf-8")


def decode_polygons(polygons: list):
    """Shipped compact geometry (scripts/build_boundaries.py) → shapely MultiPolygon in WGS84."""
    parts = []
    for rings in polygons:
        coords = []
        for flat in rings:
            x, y = flat[0], flat[1]
            ring = [(x / 1e5, y / 1e5)]
            for i in range(2, len(flat), 2):
                x += flat[i]
                y += flat[i + 1]
                ring.append((x / 1e5, y / 1e5))
            coords.append(ring)
        parts.append(shapely.Polygon(coords[0], coords[1:]))
    return shapely.MultiPolygon(parts)


def read_communes(path: Path) -> list[tuple]:
    """(INSEE, name, shapely geometry WGS84) of every commune of a shipped file, of a GeoJSON file
    with `code`/`nom` properties, or of a directory of such files (a newer Admin Express derivative)."""
    if path.is_dir():
        out = []
        for one in sorted(path.glob("*.geojson")):
            out += read_communes(one)
        return out
    text = _open_text(path)
    if text.lstrip().startswith("{"):  # GeoJSON FeatureCollection
        return [(f["properties"]["code"], f["properties"]["nom"], shapely.geometry.shape(f["geometry"]))
                for f in json.loads(text)["features"]]
    out = []
    for line in text.splitlines():
        if line.strip():
            code, name, polygons = json.loads(line)
            out.append((code, name, decode_polygons(polygons)))
    return out


def read_current(path: Path) -> tuple[dict, dict]:
    """({current INSEE: name}, {former INSEE: current INSEE}) from the shipped file or from the
    `data/communes.json` of @etalab/decoupage-administratif."""
    doc = json.loads(_open_text(path))
    if isinstance(doc, dict):
        return doc["current"], doc["former"]
    current = {r["code"]: r["nom"] for r in doc if r.get("type") == "commune-actuelle"}
    former = {}
    for r in doc:
        if r.get("type") == "commune-actuelle":
            for old in r.get("anciensCodes", []):
                if old not in current:
                    former[old] = r["code"]
        elif r.get("type") in ("commune-deleguee", "commune-associee") and r["code"] not in current:
            former.setdefault(r["code"], r["chefLieu"])
    return current, former


def _digest(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        for one in sorted(p.glob("*.geojson")) if p.is_dir() else [p]:
            h.update(one.read_bytes())
    return h.hexdigest()


def _table_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def load_boundaries(cursor, communes_path: Path | None = None, current_path: Path | None = None,
                    force: bool = False) -> LoadResult:
    """Upsert every département, commune and former commune code. Returns a LoadResult.

    Called on the schema before migration 0005 (data migration 0002 on a fresh database), it does
    nothing: the full load is migration 0006's, on the schema that has FormerCommune.
    """
    result = LoadResult()
    if not _table_exists(cursor, "network_formercommune"):
        return result
    communes_path = Path(communes_path or COMMUNES_FILE)
    current_path = Path(current_path or CURRENT_FILE)
    digest = _digest([communes_path, current_path, *DEPARTEMENT_FILES])
    cursor.execute("SELECT sha256 FROM network_boundaryrelease ORDER BY loaded_at DESC, id DESC LIMIT 1")
    last = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM network_commune")
    if not force and last and last[0] == digest and cursor.fetchone()[0] > 0:
        result.skipped = True
        return result

    result.departements = _load_departements(cursor)
    current, former = read_current(current_path)
    rows = read_communes(communes_path)
    _stage(cursor, rows, current, former, result)
    result.communes, result.merged = _upsert_communes(cursor)
    result.former_codes = _load_former(cursor, former, {code: name for code, name, _g in rows})
    _retire_stale(cursor, result)
    _forget_asset_communes(cursor)
    cursor.execute("DROP TABLE boundary_stage")
    cursor.execute(
        """INSERT INTO network_boundaryrelease (sha256, description, departements, communes, former_codes, loaded_at)
           VALUES (%s, %s, %s, %s, %s, now())""",
        [digest, f"{communes_path.name} + {current_path.name}", result.departements, result.communes,
         result.former_codes],
    )
    return result


def _forget_asset_communes(cursor) -> None:
    """New boundaries: the communes of the network assets (network/services/asset_communes.py) are
    computed again by the next exposure or graph store. Skipped on the schema of the migrations
    that load boundaries before the table exists."""
    cursor.execute("SELECT to_regclass('network_assetcommune') IS NOT NULL")
    if cursor.fetchone()[0]:
        from .asset_communes import reset

        reset()


def _load_departements(cursor) -> int:
    count = 0
    for path in DEPARTEMENT_FILES:
        for feature in json.loads(path.read_text())["features"]:
            cursor.execute(
                f"""WITH src AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), 2154) AS g)
                    INSERT INTO network_departement (code, name, geom) SELECT %s, %s, {_REPAIR} FROM src
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom""",
                [json.dumps(feature["geometry"]), feature["properties"]["code"], feature["properties"]["nom"]],
            )
            count += 1
    return count


def _stage(cursor, rows, current, former, result) -> None:
    """COPY the source communes into a temporary table with the current code each belongs to."""
    cursor.execute("DROP TABLE IF EXISTS boundary_stage")
    cursor.execute("CREATE TEMP TABLE boundary_stage (code text, target text, name text, dep text, geom geometry)")
    wkb = shapely.to_wkb([g for _c, _n, g in rows], hex=True)
    buf = io.StringIO()
    for (code, name, _g), hexwkb in zip(rows, wkb):
        target = former.get(code, code)
        target_name = current.get(target, name)
        buf.write("\t".join([code, target, target_name.replace("\t", " "), departement_of(target), hexwkb]) + "\n")
    buf.seek(0)
    raw = getattr(cursor, "cursor", cursor)  # the psycopg cursor behind Django's wrapper
    while hasattr(raw, "cursor") and not hasattr(raw, "copy"):
        raw = raw.cursor
    with raw.copy("COPY boundary_stage (code, target, name, dep, geom) FROM STDIN") as copy:
        copy.write(buf.getvalue())
    cursor.execute("UPDATE boundary_stage SET geom = ST_Transform(ST_SetSRID(geom, 4326), 2154)")
    cursor.execute("SELECT count(*) FROM boundary_stage b WHERE NOT EXISTS "
                   "(SELECT 1 FROM network_departement d WHERE d.code = b.dep)")
    missing = cursor.fetchone()[0]
    if missing:
        result.warnings.append(f"{missing} communes of an unknown département skipped")
        cursor.execute("DELETE FROM boundary_stage b WHERE NOT EXISTS (SELECT 1 FROM network_departement d WHERE d.code = b.dep)")


def _upsert_communes(cursor) -> tuple[int, int]:
    upsert = """ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name, departement_id = EXCLUDED.departement_id,
                geom = EXCLUDED.geom"""
    cursor.execute(f"""
        WITH single AS (SELECT target FROM boundary_stage GROUP BY target HAVING count(*) = 1),
             src AS (SELECT b.target, b.name, b.dep, b.geom AS g FROM boundary_stage b JOIN single USING (target))
        INSERT INTO network_commune (insee, name, departement_id, geom)
        SELECT target, name, dep, {_REPAIR} FROM src {upsert}""")
    singles = cursor.rowcount
    cursor.execute(f"""
        WITH src AS (SELECT target, min(name) AS name, min(dep) AS dep, ST_Union(ST_MakeValid(geom)) AS g
                     FROM boundary_stage GROUP BY target HAVING count(*) > 1)
        INSERT INTO network_commune (insee, name, departement_id, geom)
        SELECT target, name, dep, {_REPAIR} FROM src {upsert}""")
    return singles + cursor.rowcount, cursor.rowcount


def _load_former(cursor, former: dict, names: dict) -> int:
    cursor.execute("DELETE FROM network_formercommune")
    rows = [(old, names.get(old, ""), new) for old, new in former.items()]
    cursor.execute("CREATE TEMP TABLE former_stage (insee text, name text, commune text)")
    if rows:
        cursor.executemany("INSERT INTO former_stage VALUES (%s, %s, %s)", rows)
    cursor.execute("""INSERT INTO network_formercommune (insee, name, commune_id)
                      SELECT f.insee, f.name, f.commune FROM former_stage f
                      JOIN network_commune c ON c.insee = f.commune""")
    count = cursor.rowcount
    cursor.execute("DROP TABLE former_stage")
    return count


def _retire_stale(cursor, result) -> None:
    """Communes of an earlier load that are now former codes: their premises move to the current
    commune; rows nothing names any more are deleted (the others stay, with a warning)."""
    cursor.execute("""UPDATE network_premises p SET commune_id = f.commune_id FROM network_formercommune f
                      WHERE p.commune_id = f.insee""")
    if _table_exists(cursor, "resilience_alert_communes"):
        cursor.execute("""INSERT INTO resilience_alert_communes (alert_id, commune_id)
                          SELECT ac.alert_id, f.commune_id FROM resilience_alert_communes ac
                          JOIN network_formercommune f ON f.insee = ac.commune_id ON CONFLICT DO NOTHING""")
        cursor.execute("""DELETE FROM resilience_alert_communes ac USING network_formercommune f
                          WHERE f.insee = ac.commune_id""")
    cursor.execute("""DELETE FROM network_commune c WHERE c.insee IN (SELECT insee FROM network_formercommune)
                      AND NOT EXISTS (SELECT 1 FROM network_premises p WHERE p.commune_id = c.insee)""")
    cursor.execute("SELECT count(*) FROM network_commune c JOIN network_formercommune f ON f.insee = c.insee")
    kept = cursor.fetchone()[0]
    if kept:
        result.warnings.append(f"{kept} former communes still named by other records are kept")


def resolve_commune(insee: str):
    """(Commune or None, warning or "") for an INSEE code of any COG since 2018: a code merged into a
    commune nouvelle resolves to the current commune, with a warning saying so."""
    from network.models import Commune, FormerCommune

    insee = (insee or "").strip().upper()
    former = FormerCommune.objects.select_related("commune").filter(insee=insee).first()
    if former is not None:
        logger.warning("commune %s merged into %s", insee, former.commune_id)
        return former.commune, (f"commune {insee} ({former.name or '?'}) fusionnée dans {former.commune.name} "
                                f"({former.commune_id}) : rattachée à la commune nouvelle")
    return Commune.objects.filter(insee=insee).first(), ""


def former_codes() -> dict:
    """{former INSEE: current INSEE} (for bulk resolution, e.g. a GraceTHD delivery's addresses)."""
    from network.models import FormerCommune

    return dict(FormerCommune.objects.values_list("insee", "commune_id"))
