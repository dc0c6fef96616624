"""Vigicrues reaches (*tronçons de vigilance*) with their geometry, from the Vigicrues reach feed.

The feed is a GeoJSON FeatureCollection of river lines, one feature per reach (the
`TronEntVigiCru.geojson` of the Vigicrues geo services; the JSON-LD `TronEntVigiCru` of API v1.1
carries no geometry). Properties read: the reach code (`CdEntVigiCru`, else `code`/`gid`) and name
(`LbEntVigiCru`, else `NomEntVigiCru`/`name`); geometry (Multi)LineString in WGS84, or in the CRS
a legacy `crs` member names. Loading upserts by code; reaches the feed no longer lists are kept
(a bulletin may still name them) unless `prune`.
"""
import json
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiLineString
from django.db import transaction

from ..models import FloodReach

CODE_KEYS = ("CdEntVigiCru", "vic:CdEntVigiCru", "code", "gid")
NAME_KEYS = ("LbEntVigiCru", "vic:LbEntVigiCru", "NomEntVigiCru", "name", "nom")


class ReachFeedError(ValueError):
    pass


def fetch(source: str) -> bytes:
    """The feed's bytes: an http(s) URL (timeout and size cap of the alert feeds) or a file path."""
    if source.startswith(("http://", "https://")):
        try:
            response = requests.get(source, timeout=settings.ALERTS_FEED_TIMEOUT, stream=True)
            response.raise_for_status()
            body = response.raw.read(settings.VIGICRUES_REACH_MAX_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise ReachFeedError(f"{source}: {exc.__class__.__name__}: {exc}") from None
        if len(body) > settings.VIGICRUES_REACH_MAX_BYTES:
            raise ReachFeedError(f"{source}: more than {settings.VIGICRUES_REACH_MAX_BYTES} bytes")
        return body
    path = Path(source)
    if not path.is_file():
        raise ReachFeedError(f"no such file: {source}")
    return path.read_bytes()


def _first(props: dict, keys) -> str:
    return next((str(props[k]).strip() for k in keys if props.get(k) not in (None, "")), "")


def parse(payload: bytes) -> list[tuple[str, str, MultiLineString]]:
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReachFeedError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ReachFeedError("not a GeoJSON FeatureCollection")
    srid = 4326
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs:
        digits = "".join(c for c in crs.rsplit(":", 1)[-1] if c.isdigit())
        srid = 4326 if digits in ("", "84") else int(digits)
    out = []
    for index, feature in enumerate(doc.get("features") or []):
        props = (feature or {}).get("properties") or {}
        code = _first(props, CODE_KEYS)
        if not code or not feature.get("geometry"):
            raise ReachFeedError(f"features.{index}: reach code or geometry missing")
        try:
            geom = GEOSGeometry(json.dumps(feature["geometry"]), srid=srid)
        except (GEOSException, ValueError) as exc:
            raise ReachFeedError(f"features.{index}: invalid geometry ({exc})") from None
        if geom.geom_type == "LineString":
            geom = MultiLineString(geom, srid=srid)
        if geom.geom_type != "MultiLineString" or geom.empty:
            raise ReachFeedError(f"features.{index}: a reach is a (Multi)LineString, not {geom.geom_type}")
        geom.transform(2154)
        out.append((code[:32], _first(props, NAME_KEYS)[:200], geom))
    return out


def load_reaches(source: str | None = None, prune: bool = False) -> dict:
    source = source or settings.VIGICRUES_REACH_FEED_URL
    if not source:
        raise ReachFeedError("no reach feed: give a URL or file, or set VIGICRUES_REACH_FEED_URL")
    reaches = parse(fetch(source))
    created = updated = 0
    with transaction.atomic():
        for code, name, geom in reaches:
            _obj, new = FloodReach.objects.update_or_create(code=code, defaults={"name": name, "geom": geom,
                                                                                "source": source[:500]})
            created, updated = created + new, updated + (not new)
        pruned = FloodReach.objects.exclude(code__in=[r[0] for r in reaches]).delete()[0] if prune else 0
    return {"created": created, "updated": updated, "pruned": pruned}


def reach_area(code: str):
    """The alert area of a reach in vigilance: its line buffered by VIGICRUES_REACH_BUFFER_M, or None."""
    reach = FloodReach.objects.filter(code=code).first()
    if reach is None:
        return None
    return reach.geom.buffer(settings.VIGICRUES_REACH_BUFFER_M, 8)
