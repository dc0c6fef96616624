"""The reprojection/territory step of a GraceTHD import (kept apart from the importer proper).

A delivery comes in its territory's legal projection (Lambert-93 in mainland France; RGAF09 / UTM
20N in Guadeloupe and Martinique, RGFG95 / UTM 22N in Guyane, RGR92 / UTM 40S in La Réunion,
RGM04 / UTM 38S in Mayotte: network.models.territory). The importer validates and measures the
geometries in that projection (lengths from `geom.length` are then true metres) and this step
brings them to the storage SRID (2154) as they are staged. The projection must be the same in
every table, and that of the network's territory when the network already exists; a new network
takes the territory of its delivery's projection.
"""
import re

import numpy as np
import shapely

from network.models.territory import ACCEPTED_SRIDS, Territory, territory_of_srid


class DeliveryProjection:
    def __init__(self, network=None):
        self.network = network
        self.srid: int | None = None

    @property
    def territory(self) -> str:
        if self.network is not None:
            return self.network.territory
        return territory_of_srid(self.srid or 2154) or Territory.METROPOLE

    def check(self, crs: str | None) -> str | None:
        """None when `crs` (as the reader says it, "EPSG:n") is acceptable, else the fault."""
        m = re.fullmatch(r"EPSG:(\d+)", crs or "")
        srid = int(m.group(1)) if m else None
        expected = sorted(ACCEPTED_SRIDS[self.network.territory]) if self.network is not None else None
        if srid is None or territory_of_srid(srid) is None:
            # overseas deliveries in 5490 (Antilles), 2972 (Guyane), 2975 (La Réunion), 4471 (Mayotte)
            # are accepted too (docs/gracethd.md); the fault names the mainland one, as it always has
            return f"projection {crs or 'absente (.prj manquant)'} : EPSG:2154 (Lambert-93) attendue"
        if expected is not None and srid not in expected:
            return (f"projection EPSG:{srid} : le réseau {self.network.slug} est en {self.network.get_territory_display()} "
                    f"(EPSG:{', '.join(map(str, expected))} attendue)")
        if self.srid is not None and srid != self.srid:
            return f"projection EPSG:{srid} différente de celle des autres tables (EPSG:{self.srid})"
        self.srid = srid
        return None

    def to_storage(self, geoms) -> np.ndarray:
        """Shapely geometries in the delivery's projection → in 2154 (SRID set), one PROJ call."""
        srid = self.srid or 2154
        geoms = shapely.force_2d(list(geoms))
        if srid != 2154 and len(geoms):
            from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference

            collection = OGRGeometry(shapely.to_wkb(shapely.geometrycollections(geoms)).hex(), srs=srid)
            collection.transform(CoordTransform(SpatialReference(srid), SpatialReference(2154)))
            geoms = shapely.get_parts(shapely.from_wkb(bytes(collection.wkb)))
        return shapely.set_srid(geoms, 2154)


def from_storage(wkb: np.ndarray, srid: int) -> np.ndarray:
    """WKB geometries in 2154 → WKB in `srid` (an overseas export), one PROJ call."""
    from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference

    geoms = shapely.from_wkb(list(wkb))
    collection = OGRGeometry(shapely.to_wkb(shapely.geometrycollections(geoms)).hex(), srs=2154)
    collection.transform(CoordTransform(SpatialReference(2154), SpatialReference(srid)))
    return np.array(shapely.to_wkb(shapely.get_parts(shapely.from_wkb(bytes(collection.wkb)))), dtype=object)
