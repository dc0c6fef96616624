"""The real communes a network is generated over (Commune table, EPSG:2154), as shapely geometries."""
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection


@dataclass
class CommuneSet:
    insee: np.ndarray        # str, sorted
    names: list[str]
    geoms: np.ndarray        # shapely (Multi)Polygons in 2154
    area_km2: np.ndarray
    centre: np.ndarray       # (n, 2) a point inside each commune: its bourg centre

    def __len__(self) -> int:
        return len(self.insee)


def load_communes(departement: str) -> CommuneSet:
    """Every commune of the département, in INSEE order (the order is part of determinism)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT insee, name, ST_AsBinary(geom), ST_Area(geom) / 1e6,
                      ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
               FROM network_commune WHERE departement_id = %s ORDER BY insee""",
            [departement],
        )
        rows = cursor.fetchall()
    if not rows:
        return CommuneSet(np.array([], dtype=str), [], np.array([]), np.zeros(0), np.zeros((0, 2)))
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows])
    shapely.prepare(geoms)
    return CommuneSet(
        insee=np.array([r[0] for r in rows]),
        names=[r[1] for r in rows],
        geoms=geoms,
        area_km2=np.array([r[3] for r in rows], dtype=float),
        centre=np.array([(r[4], r[5]) for r in rows], dtype=float),
    )
