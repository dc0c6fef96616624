"""CAP 1.2 ingestion: every reference file accepted or refused with a precise reason; hostile XML
refused without expansion; raw message kept; duplicate, Update, Cancel."""
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from resilience.models import Alert, Lifecycle, RawMessage, RawOutcome
from resilience.services.ingest import IngestError, ingest_payload
from webhooks.models import OutboxEvent

from .capdocs import area, box, cap, info, latlon

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "cap"
VALID = sorted((FIXTURES / "valid").iterdir()) + sorted((FIXTURES / "oasis").iterdir())

# file -> (path, words of the reason)
INVALID = {
    "external_entity.xml": ("", "DOCTYPE"),
    "xmlbomb2.xml": ("", "DOCTYPE"),
    "invalid.cap": ("alert.info.0", "ligne 9"),
    "togo_invalid_schema.xml": ("alert.info.0.audience", "ligne 16"),
    "invalid_xmlns.cap": ("alert", "urn:oasis:names:tc:emergency:alerts:1.2"),
    "noaa_errors.cap": ("alert", "cap:1.1"),
    "weather.cap": ("alert", "cap:1.1"),
}


def refused(payload, **kw) -> IngestError:
    with pytest.raises(IngestError) as exc:
        ingest_payload(payload, "cap", **kw)
    return exc.value


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_sample_is_accepted(path):
    result = ingest_payload(path.read_bytes(), "cap", allow_expired=True)
    assert result.raw_message.outcome == RawOutcome.ACCEPTED
    alert = result.alerts[-1]
    assert alert.source == "cap" and alert.identifier and 1 <= alert.level <= 4
    assert RawMessage.objects.get(pk=result.raw_message.pk).sha256 == result.raw_message.sha256


@pytest.mark.parametrize("name", sorted(INVALID))
def test_every_invalid_sample_is_refused_with_its_reason(name):
    path, words = INVALID[name]
    error = refused((FIXTURES / "invalid" / name).read_bytes(), allow_expired=True)
    assert error.errors[0]["path"] == path
    assert words in error.errors[0]["reason"]
    raw = RawMessage.objects.get()
    assert raw.outcome == RawOutcome.REJECTED and raw.error == error.errors
    assert bytes(raw.payload) == (FIXTURES / "invalid" / name).read_bytes()
    assert not Alert.objects.exists()


def test_billion_laughs_is_refused_without_expansion():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'.encode() for i in range(1, 10))
            + b"]><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">&lol9;</alert>")
    error = refused(bomb)
    assert "DOCTYPE" in error.errors[0]["reason"]
    assert RawMessage.objects.get().size == len(bomb)  # stored as received, never expanded


def test_xxe_file_entity_is_not_read():
    xxe = (b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>')
    error = refused(xxe)
    assert "DOCTYPE" in error.errors[0]["reason"] and "root:" not in str(error.errors)


def test_not_xml_names_the_line():
    error = refused(b"<alert>\n<unclosed>\n</alert>")
    assert "XML" in error.errors[0]["reason"] and "ligne" in error.errors[0]["reason"]


@override_settings(ALERTS_MAX_PAYLOAD_BYTES=1000)
def test_too_large_is_413_and_kept_truncated():
    error = refused(cap(infos=[info()] * 3))
    assert error.status == 413
    raw = RawMessage.objects.get()
    assert raw.outcome == RawOutcome.REJECTED and len(bytes(raw.payload)) == 1000 and raw.size > 1000


def test_polygon_not_closed():
    error = refused(cap(infos=[info(areas=[area(polygon=box(0, 0, 100, 100, closed=False))])]))
    assert error.errors[0]["path"] == "info.0.area.0.polygon.0"
    assert "non fermé" in error.errors[0]["reason"]
    assert not Alert.objects.exists()


def test_expired_is_refused():
    error = refused(cap(infos=[info(expires="2020-01-01T00:00:00+01:00")]))
    assert error.errors[0]["path"] == "info.0.expires" and "expirée" in error.errors[0]["reason"]


def test_unknown_geocode_is_refused_and_nothing_half_stored():
    doc = cap(infos=[info(areas=[area(polygon=box(0, 0, 100, 100)), area(desc="Nulle part", geocodes=[("INSEE", "99999")])])])
    error = refused(doc)
    assert error.errors[0]["path"] == "info.0.area.1.geocode.0" and "99999" in error.errors[0]["reason"]
    assert not Alert.objects.exists() and not OutboxEvent.objects.exists()


def test_french_info_first_several_areas_polygon_circle_geocodes():
    doc = cap(infos=[
        info(language="en-GB", event="Severe wind", level="4; red; Extreme"),
        info(language="fr-FR", event="Vent violent", level="3; orange; Severe", areas=[
            area(polygon=box(500, -200, 1500, 800)),
            area(desc="cercle", circle=f"{latlon(0, -1000)} 0.5"),
            area(desc="Finistère", geocodes=[("NUTS3", "FR522")]),
            area(desc="Quimper", geocodes=[("INSEE", "29232")]),
        ]),
    ])
    alert = ingest_payload(doc, "cap").alerts[0]
    assert (alert.language, alert.level, alert.hazard) == ("fr-FR", 3, "wind")
    assert list(alert.departements.values_list("code", flat=True)) == ["29"]
    assert list(alert.communes.values_list("insee", flat=True)) == ["29232"]
    assert alert.area.srid == 2154 and alert.area.area > 6e9  # the whole of Finistère (~6 700 km²)


def test_circle_is_buffered_in_lambert93():
    alert = ingest_payload(cap(infos=[info(areas=[area(circle=f"{latlon(0, 0)} 2")])]), "cap").alerts[0]
    assert abs(alert.area.area - 3.1416 * 2000 ** 2) / (3.1416 * 2000 ** 2) < 0.01
    assert alert.area.centroid.distance(alert.area.centroid.__class__(170300, 6790100, srid=2154)) < 5


def test_meteo_france_nuts3_by_area_name_when_code_unknown():
    doc = cap(infos=[info(areas=[area(desc="Manche", geocodes=[("NUTS3", "FRX99")])])])
    assert list(ingest_payload(doc, "cap").alerts[0].departements.values_list("code", flat=True)) == ["50"]


def test_same_payload_twice_is_a_no_op():
    doc = cap()
    first = ingest_payload(doc, "cap")
    second = ingest_payload(doc, "cap")
    assert second.duplicate and second.alerts == first.alerts
    assert Alert.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="alert.created").count() == 1
    assert RawMessage.objects.get(pk=second.raw_message.pk).outcome == RawOutcome.DUPLICATE


def test_same_identifier_twice_is_the_same_alert_updated():
    first = ingest_payload(cap(infos=[info(level="2; yellow; Moderate")]), "cap").alerts[0]
    second = ingest_payload(cap(infos=[info(level="3; orange; Severe")]), "cap").alerts[0]
    assert first.pk == second.pk and Alert.objects.get().level == 3
    assert OutboxEvent.objects.filter(event_type="alert.updated", subject=f"alert:{first.pk}").count() == 1


def test_update_supersedes_and_cancel_ends():
    sender, sent = "vigilance@meteo.fr", "2030-01-01T10:00:00+01:00"
    first = ingest_payload(cap("VF-1", sent=sent), "cap").alerts[0]
    update = ingest_payload(cap("VF-2", msg_type="Update", references=f"{sender},VF-1,{sent}",
                                sent="2030-01-01T11:00:00+01:00", infos=[info(level="4; red; Extreme")]), "cap").alerts[0]
    first.refresh_from_db()
    assert first.lifecycle == Lifecycle.SUPERSEDED and first.superseded_by_id == update.pk
    assert update.lifecycle == Lifecycle.ACTIVE and update.level == 4
    cancelled = ingest_payload(cap("VF-3", msg_type="Cancel", infos=[],
                                   references=f"{sender},VF-2,2030-01-01T11:00:00+01:00"), "cap").alerts[0]
    assert cancelled.pk == update.pk
    update.refresh_from_db()
    assert update.lifecycle == Lifecycle.CANCELLED and update.ended_at is not None
    assert list(OutboxEvent.objects.order_by("created_at").values_list("event_type", flat=True)) == [
        "alert.created", "alert.created", "alert.updated", "alert.cancelled"]
    assert not Alert.objects.active().exists()


def test_cancel_of_unknown_alert_is_refused():
    error = refused(cap("VF-9", msg_type="Cancel", infos=[], references="x@y,NOPE,2030-01-01T00:00:00Z"))
    assert error.errors[0]["path"] == "references"


def test_command_prints_id_last_and_refuses_with_errors(tmp_path, capsys):
    good = tmp_path / "a.xml"
    good.write_bytes(cap())
    call_command("ingest_alert", str(good), "--format", "cap")
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(Alert.objects.get().pk)
    with pytest.raises(CommandError) as exc:
        call_command("ingest_alert", str(FIXTURES / "invalid" / "xmlbomb2.xml"))
    assert '"errors"' in str(exc.value) and "DOCTYPE" in str(exc.value)


def meteo_france(identifier, *, phenomena, msg_type="Alert", references=""):
    """A Météo-France-shaped CAP: one fr-FR and one en-GB <info> per phenomenon, NUTS3 geocode, no polygon."""
    blocks = []
    for language in ("fr-FR", "en-GB"):
        for awareness, level in phenomena:
            blocks.append(info(language=language, event=awareness, awareness=awareness, level=level,
                               areas=[area(desc="Finistère", geocodes=[("NUTS3", "FR522")])]))
    return cap(identifier, msg_type=msg_type, references=references, infos=blocks,
               sender="vigilance@meteo.fr")


def test_meteo_france_cap_one_alert_per_phenomenon_and_update(tmp_path, capsys):
    path = tmp_path / "mf.xml"
    path.write_bytes(meteo_france("2.49.0.0.250.0.FR.1", phenomena=[("1; Wind", "3; orange; Severe"),
                                                                    ("3; Thunderstorm", "2; yellow; Moderate"),
                                                                    ("10; Rain", "1; green; Minor")]))
    call_command("ingest_alert", str(path))
    lines = capsys.readouterr().out.strip().splitlines()
    alerts = {a.hazard: a for a in Alert.objects.all()}
    assert sorted(alerts) == ["thunderstorm", "wind"] and len(lines) == 2  # green rain dropped
    assert alerts["wind"].identifier == "2.49.0.0.250.0.FR.1#wind" and alerts["wind"].language == "fr-FR"
    assert list(alerts["wind"].departements.values_list("code", flat=True)) == ["29"]
    refs = "vigilance@meteo.fr,2.49.0.0.250.0.FR.1,2030-01-01T10:00:00+01:00"
    new = ingest_payload(meteo_france("2.49.0.0.250.0.FR.2", msg_type="Update", references=refs,
                                      phenomena=[("1; Wind", "4; red; Extreme")]), "cap").alerts
    assert [(a.hazard, a.level) for a in new] == [("wind", 4)]
    for old in alerts.values():
        old.refresh_from_db()
        assert old.lifecycle == Lifecycle.SUPERSEDED and old.superseded_by_id == new[0].pk
    assert [a.hazard for a in Alert.objects.active()] == ["wind"]
