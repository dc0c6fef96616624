"""Mutation fuzzing (hypothesis, bounded): real CAP, vigilance, Vigicrues and GeoJSON inputs
(tests/resilience/fixtures, copied from the shared reference with their sources) are truncated,
byte-flipped, chunk-dropped, chunk-duplicated, given odd numbers and dates and stray Unicode, then
fed to every parser and to POST /api/v1/alerts/. The only outcomes allowed: accepted, or refused
with a reason (IngestError with at least one reason / a 4xx with `errors`); never another exception
or a 5xx. Examples are few per run (the suite stays fast); hypothesis varies them run after run."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience.services.ingest import IngestError, cap, geojson, vigicrues, vigilance

FIXTURES = Path(__file__).resolve().parents[1] / "resilience" / "fixtures"
NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
SEEDS = {
    "cap": sorted((FIXTURES / "cap").glob("*/*")),
    "vigilance": sorted((FIXTURES / "vigilance").glob("*")),
    "vigicrues": sorted((FIXTURES / "vigicrues").glob("*")),
}
PARSERS = {"cap": cap.parse, "vigilance": vigilance.parse, "vigicrues": vigicrues.parse}
ODD = [b"0", b"-1", b"1e308", b"-1e308", b"NaN", b"999999999999", b"2026-02-30T25:61:00+99:00", b"0000-00-00",
       "\u00b2".encode(), "\u0661".encode(), "\u202e".encode(), b"\xff\xfe", b"\x00", "é".encode("latin-1"),
       b'encoding="UTF-9"', b"<!DOCTYPE x>", b"]]>", b"&amp;", b"{}", b"[]", b"null", b'"', b"<", b">"]
FUZZ = settings(max_examples=25, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@st.composite
def mutated(draw, fmt):
    data = bytearray(draw(st.sampled_from(SEEDS[fmt])).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["truncate", "flip", "drop", "dup", "odd", "unicode"]))
        i = draw(st.integers(0, len(data) - 1))
        j = min(len(data), i + draw(st.integers(1, 200)))
        if kind == "truncate":
            del data[i:]
        elif kind == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "drop":
            del data[i:j]
        elif kind == "dup":
            data[i:i] = data[i:j]
        elif kind == "odd":
            data[i:j] = draw(st.sampled_from(ODD))
        else:
            data[i:i] = draw(st.text(min_size=1, max_size=5)).encode()
    return bytes(data)


def assert_refused_with_reason(error: IngestError):
    assert error.errors and all(e.get("reason") for e in error.errors), error.errors


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", sorted(PARSERS))
def test_parsers_accept_or_refuse_with_a_reason(fmt):
    @FUZZ
    @given(payload=mutated(fmt))
    def run(payload):
        try:
            parsed = PARSERS[fmt](payload, now=NOW, allow_expired=True)
        except IngestError as error:
            assert_refused_with_reason(error)
        else:
            assert isinstance(parsed, list)

    run()


# --- GeoJSON: structure-aware mutations of a real Feature's properties and geometry -----------
def _seed_feature():
    doc = json.loads((FIXTURES / "floodzones" / "pprn_scie_perimetre.geojson").read_text())
    feature = doc["features"][0] if doc.get("type") == "FeatureCollection" else doc
    return {"type": "Feature", "geometry": feature["geometry"],
            "properties": {"hazard": "flood", "level": 3, "expires": "2099-01-01T00:00:00+00:00"}}


JSON_ODD = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
                        | st.sampled_from([1e308, -1e308, "notalist", "2026-13-45", "NaN", "", "²"]),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                        max_leaves=8)


@st.composite
def mutated_feature(draw):
    doc = _seed_feature()
    key = draw(st.sampled_from(["hazard", "level", "expires", "onset", "status", "departement", "network",
                                "geometry", "coordinates", "type", "point"]))
    value = draw(JSON_ODD)
    if key == "geometry":
        doc["geometry"] = value
    elif key == "coordinates":
        doc["geometry"] = {"type": draw(st.sampled_from(["Polygon", "MultiPolygon"])), "coordinates": value}
    elif key == "point":
        ring = doc["geometry"]["coordinates"][0] if doc["geometry"]["type"] == "Polygon" else doc["geometry"]["coordinates"][0][0]
        ring[draw(st.integers(0, len(ring) - 1))] = value
    elif key == "type":
        doc["type"] = value
    else:
        doc["properties"][key] = value
    return doc


@pytest.mark.django_db
def test_geojson_parser_accepts_or_refuses_with_a_reason():
    @FUZZ
    @given(doc=mutated_feature())
    def run(doc):
        try:
            geojson.parse_feature(doc, now=NOW, allow_expired=True)
        except IngestError as error:
            assert_refused_with_reason(error)

    run()


# --- through the API: a 2xx or a 4xx with reasons, never a 5xx ------------------------------------
@pytest.fixture
def api(token_client):
    from tests.builders import build_small_network

    net = build_small_network()
    client, _ = token_client(net.network.owner)
    client.raise_request_exception = False  # a crash must show as the 500 a client would get
    return client


def _assert_answer(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response.json()["errors"][0]["reason"], response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["cap", "vigilance"])
def test_post_alerts_with_mutated_xml_or_json(api, fmt):
    content_type = "application/xml" if fmt == "cap" else "application/json"

    @FUZZ
    @given(payload=mutated(fmt))
    def run(payload):
        _assert_answer(api.post("/api/v1/alerts/", data=payload, content_type=content_type))

    run()


@pytest.mark.django_db
def test_post_alerts_with_mutated_geojson(api):
    @FUZZ
    @given(doc=mutated_feature())
    def run(doc):
        _assert_answer(api.post("/api/v1/alerts/", data=json.dumps(doc), content_type="application/json"))

    run()


# --- GraceTHD deliveries: a real export of a small network, one file mutated -------------------
@pytest.fixture
def delivery(tmp_path_factory):
    from network.services.gracethd import export_network
    from tests.builders import build_small_network

    small = build_small_network()
    folder = tmp_path_factory.mktemp("delivery")
    export_network(small.network, folder)
    return folder


@pytest.mark.django_db
def test_gracethd_reader_accepts_or_refuses_mutated_deliveries_with_reasons(delivery, tmp_path_factory):
    import shutil

    from network.services.gracethd import ImportRefused, import_network

    files = sorted(p for p in delivery.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".shp", ".dbf", ".shx", ".prj"))

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(target=st.sampled_from(files), data=st.data())
    def run(target, data):
        copy = tmp_path_factory.mktemp("mutated")
        shutil.copytree(delivery, copy, dirs_exist_ok=True)
        path = copy / target.relative_to(delivery)
        content = bytearray(path.read_bytes())
        if content:
            i = data.draw(st.integers(0, len(content) - 1))
            kind = data.draw(st.sampled_from(["truncate", "flip", "drop", "dup", "odd"]))
            j = min(len(content), i + data.draw(st.integers(1, 64)))
            if kind == "truncate":
                del content[i:]
            elif kind == "flip":
                content[i] ^= 1 << data.draw(st.integers(0, 7))
            elif kind == "drop":
                del content[i:j]
            elif kind == "dup":
                content[i:i] = content[i:j]
            else:
                content[i:j] = data.draw(st.sampled_from(ODD))
        path.write_bytes(bytes(content))
        try:
            import_network(copy, "net-fuzz", owner="syn-a")
        except ImportRefused as refused:
            assert refused.faults and all(str(f).strip() for f in refused.faults), refused.faults
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    run()
