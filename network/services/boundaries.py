"""Loading the shipped IGN boundaries (network/data/boundaries/) into Departement and Commune.

Written in plain SQL on the schema editor's connection so that the data migration that calls it
does not depend on the current model classes. Simplified boundaries can be invalid: they are
repaired with ST_MakeValid (reference layers, unlike network data, which is refused when invalid).
"""
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "boundaries"
DEPARTEMENTS_FILE = DATA_DIR / "departements-version-simplifiee.geojson"

_REPAIR = "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), 2154)), 3))"


def commune_files() -> list[Path]:
    return sorted(DATA_DIR.glob("communes-*.geojson"))


def load_boundaries(cursor) -> tuple[int, int]:
    """Upsert every shipped département and commune. Returns (départements, communes)."""
    departements = json.loads(DEPARTEMENTS_FILE.read_text())["features"]
    for feature in departements:
        cursor.execute(
            f"""INSERT INTO network_departement (code, name, geom) VALUES (%s, %s, {_REPAIR})
                ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom""",
            [feature["properties"]["code"], feature["properties"]["nom"], json.dumps(feature["geometry"])],
        )
    count = 0
    for path in commune_files():
        for feature in json.loads(path.read_text())["features"]:
            insee = feature["properties"]["code"]
            cursor.execute(
                f"""INSERT INTO network_commune (insee, name, departement_id, geom) VALUES (%s, %s, %s, {_REPAIR})
                    ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom""",
                [insee, feature["properties"]["nom"], insee[:2], json.dumps(feature["geometry"])],
            )
            count += 1
    return len(departements), count
