"""Build the shipped boundary files of network/data/boundaries/ from their public sources.

Not run by `make`: the outputs are committed. Re-run it on a newer release, then
`manage.py load_boundaries` (idempotent) loads the result.

    .venv/bin/python scripts/build_boundaries.py SOURCE_DIR DECOUPAGE_COMMUNES_JSON

SOURCE_DIR: the per-département GeoJSON files `communes-<code>-<name>.geojson` of
gregoiredavid/france-geojson (IGN Admin Express COG, WGS84, `code`/`nom`), here
../shared/reference/boundaries/communes/. DECOUPAGE_COMMUNES_JSON: `data/communes.json` of the npm
package @etalab/decoupage-administratif (`npm install @etalab/decoupage-administratif` in a
temporary directory; node_modules is not committed).

Outputs:
- communes.jsonl.gz: one commune a line `[INSEE, name, polygons]`, WGS84, each polygon a list of
  rings, each ring `[x0, y0, dx1, dy1, ...]` in integer 1e-5° (delta-encoded: compresses 3× better
  than GeoJSON text; decoded by network/services/boundaries.py),
  simplified once more with a topology-preserving *coverage* simplification (shared edges stay
  shared, no gap or overlap between neighbours), coordinates rounded to 1e-5° (about 1 m);
  every commune is checked valid and non-empty after simplification.
- departements-outre-mer.geojson: the five overseas départements (971-976), union of their communes
  (the mainland ones come from departements-version-simplifiee.geojson).
- communes-current.json.gz: {"version", "current": {INSEE: name}, "former": {old INSEE: current}}:
  the current official list and the communes merged since into a *commune nouvelle*.
"""
import gzip
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent.parent / "network" / "data" / "boundaries"
TOLERANCE = 0.002  # coverage_simplify (Visvalingam-Whyatt) tolerance in degrees: about half the
# vertices of the 25 % source go, a commune keeps its shape at the scale of a département map
OVERSEAS = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}


def _round(geom):
    return shapely.set_precision(geom, 1e-5)


def encode(geom) -> list:
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    out = []
    for polygon in polygons:
        rings = []
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = [(round(x * 1e5), round(y * 1e5)) for x, y in ring.coords]
            flat = [xy[0][0], xy[0][1]]
            for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
                flat += [x1 - x0, y1 - y0]
            rings.append(flat)
        out.append(rings)
    return out


def build_communes(source: Path) -> dict:
    by_dep = {}
    lines = []
    for path in sorted(source.glob("communes-*.geojson")):
        dep = path.name.split("-")[1]
        features = json.loads(path.read_text())["features"]
        codes = [f["properties"]["code"] for f in features]
        names = [f["properties"]["nom"] for f in features]
        geoms = [shapely.make_valid(shape(f["geometry"])) for f in features]
        simplified = shapely.coverage_simplify(geoms, TOLERANCE)
        for code, name, original, geom in zip(codes, names, geoms, simplified):
            geom = _round(geom)
            if geom.is_empty or not geom.is_valid or geom.area == 0:
                geom = _round(original)  # too small for the tolerance: keep the source geometry
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            geom = shapely.MultiPolygon([g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]) \
                if geom.geom_type == "GeometryCollection" else geom
            assert not geom.is_empty and geom.area > 0, code
            lines.append(json.dumps([code, name, encode(geom)], ensure_ascii=False, separators=(",", ":")))
            by_dep.setdefault(dep, []).append(geom)
    with gzip.open(OUT / "communes.jsonl.gz", "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("\n".join(lines) + "\n")
    print(f"{len(lines)} communes")
    return by_dep


def build_overseas(by_dep: dict) -> None:
    features = []
    for code, name in OVERSEAS.items():
        geom = _round(shapely.union_all(by_dep[code]).buffer(0))
        features.append({"type": "Feature", "properties": {"code": code, "nom": name}, "geometry": mapping(geom)})
    (OUT / "departements-outre-mer.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")))


def build_current(decoupage: Path) -> None:
    rows = json.loads(decoupage.read_text())
    current = {r["code"]: r["nom"] for r in rows if r["type"] == "commune-actuelle"}
    former = {}
    for r in rows:
        if r["type"] == "commune-actuelle":
            for old in r.get("anciensCodes", []):
                if old not in current:
                    former[old] = r["code"]
        elif r["type"] in ("commune-deleguee", "commune-associee") and r["code"] not in current:
            former.setdefault(r["code"], r["chefLieu"])
    version = json.loads((decoupage.parent.parent / "package.json").read_text()).get("version", "")
    with gzip.open(OUT / "communes-current.json.gz", "wt", encoding="utf-8", compresslevel=9) as out:
        json.dump({"version": version, "current": current, "former": dict(sorted(former.items()))}, out,
                  ensure_ascii=False, separators=(",", ":"))
    print(f"{len(current)} current communes, {len(former)} former codes (decoupage-administratif {version})")


if __name__ == "__main__":
    by_dep = build_communes(Path(sys.argv[1]))
    build_overseas(by_dep)
    build_current(Path(sys.argv[2]))
