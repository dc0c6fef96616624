"""The real communes a network is generated over (Commune table), as shapely geometries in the
projection the generation measures in: Lambert-93 in mainland France, the territory's legal
projection overseas (network.models.territory), so that every distance the generator draws is in
true metres; the writer brings the result back to the storage SRID."""
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection


@dataclass
class CommuneSet:
    insee: np.ndarray        # str, sorted
    names: list[str]
    geoms: np.ndarray        # shapely (Multi)Polygons in `srid`
    area_km2: np.ndarray
    centre: np.ndarray       # (n, 2) a point inside each commune: its bourg centre
    srid: int = 2154

    def __len__(self) -> int:
        return len(self.insee)


def load_communes(departement: str, srid: int = 2154) -> CommuneSet:
    """Every commune of the département, in INSEE order (the order is part of determinism)."""
    geom = "geom" if srid == 2154 else f"ST_Transform(geom, {int(srid)})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT insee, name, ST_AsBinary(g), ST_Area(g) / 1e6, ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g))
               FROM (SELECT insee, name, {geom} AS g FROM network_commune WHERE departement_id = %s) c ORDER BY insee""",
            [departement],
        )
        rows = cursor.fetchall()
    if not rows:
        return CommuneSet(np.array([], dtype=str), [], np.array([]), np.zeros(0), np.zeros((0, 2)), srid)
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows])
    shapely.prepare(geoms)
    return CommuneSet(
        insee=np.array([r[0] for r in rows]),
        names=[r[1] for r in rows],
        geoms=geoms,
        area_km2=np.array([r[3] for r in rows], dtype=float),
        centre=np.array([(r[4], r[5]) for r in rows], dtype=float),
        srid=srid,
    )
