"""Météo-France vigilance and Vigicrues bulletins → one alert per département and phenomenon."""
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from resilience.models import Alert, Lifecycle
from resilience.services.ingest import IngestError, ingest_payload
from webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
CURRENT = FIXTURES / "vigilance" / "raw_warning_current_phenomenons.json"


def bulletin(domain="29", colours=None, update_time=1900000000, end=4102444800) -> bytes:
    """A warning/full bulletin for one domain: colours = {phenomenon_id: colour_id}."""
    colours = colours or {1: 3, 3: 2, 4: 1}
    return json.dumps({
        "update_time": update_time, "end_validity_time": end, "domain_id": domain, "color_max": max(colours.values()),
        "timelaps": [{"phenomenon_id": p, "timelaps_items": [{"begin_time": update_time + 3600, "color_id": c}]}
                     for p, c in colours.items()],
        "phenomenons_items": [{"phenomenon_id": p, "phenomenon_max_color_id": c} for p, c in colours.items()],
    }).encode()


def test_current_phenomenons_sample_gives_one_alert_per_phenomenon_at_yellow_or_above():
    alerts = ingest_payload(CURRENT.read_bytes(), "vigilance", allow_expired=True).alerts
    assert sorted((a.hazard, a.level) for a in alerts) == [("snow_ice", 3), ("thunderstorm", 2)]
    assert all(list(a.departements.values_list("code", flat=True)) == ["32"] for a in alerts)


def test_all_green_sample_creates_nothing():
    result = ingest_payload((FIXTURES / "vigilance" / "warning_full_13.json").read_bytes(), "vigilance", allow_expired=True)
    assert result.alerts == [] and not Alert.objects.exists()


def test_change_is_an_update_and_green_ends_the_alert():
    first = {a.hazard: a for a in ingest_payload(bulletin(colours={1: 2, 3: 2}), "vigilance").alerts}
    second = {a.hazard: a for a in ingest_payload(bulletin(colours={1: 3, 3: 1}, update_time=1900003600), "vigilance").alerts}
    wind_before = Alert.objects.get(pk=first["wind"].pk)
    assert wind_before.lifecycle == Lifecycle.SUPERSEDED and wind_before.superseded_by_id == second["wind"].pk
    assert second["wind"].level == 3 and second["wind"].lifecycle == Lifecycle.ACTIVE
    assert Alert.objects.get(pk=first["thunderstorm"].pk).lifecycle == Lifecycle.ENDED
    assert list(Alert.objects.active().values_list("hazard", flat=True)) == ["wind"]
    assert OutboxEvent.objects.filter(event_type="alert.cancelled").count() == 1


def test_coastal_domain_is_submersion_on_its_departement():
    alert = ingest_payload(bulletin(domain="2910", colours={9: 3}), "vigilance").alerts[0]
    assert alert.hazard == "coastal_submersion" and alert.details["coastal"] is True
    assert list(alert.departements.values_list("code", flat=True)) == ["29"]


def test_unknown_domain_and_phenomenon_are_refused():
    with pytest.raises(IngestError) as exc:
        ingest_payload(bulletin(domain="99"), "vigilance")
    assert exc.value.errors[0]["path"] == "domain_id"
    with pytest.raises(IngestError) as exc:
        ingest_payload(bulletin(colours={12: 2}), "vigilance")
    assert exc.value.errors[0]["path"] == "phenomenons_items.0.phenomenon_id"


def test_command_prints_each_alert_id_last_line_the_last(tmp_path, capsys):
    path = tmp_path / "v.json"
    path.write_bytes(bulletin(colours={1: 3, 3: 2}))
    call_command("ingest_alert", str(path), "--format", "vigilance")
    lines = capsys.readouterr().out.strip().splitlines()
    assert sorted(int(x) for x in lines) == sorted(Alert.objects.values_list("pk", flat=True)) and len(lines) == 2


def test_vigicrues_national_synthesis_per_departement():
    alerts = ingest_payload((FIXTURES / "vigicrues" / "InfoVigiCru_TypEntVigiCru4.json").read_bytes(), "vigicrues",
                            allow_expired=True).alerts
    assert len(alerts) == 41 and {a.level for a in alerts} == {2} and {a.hazard for a in alerts} == {"river_flood"}
    assert "02" in {a.details["departement"] for a in alerts}


def test_vigicrues_sections_without_geometry_are_refused_with_reason():
    with pytest.raises(IngestError) as exc:
        ingest_payload((FIXTURES / "vigicrues" / "InfoVigiCru_TypEntVigiCru2_detail.json").read_bytes(), "vigicrues",
                       allow_expired=True)
    assert "TypEntVigiCru=4" in exc.value.errors[0]["reason"]


def test_national_xml_bulletin_one_alert_per_departement_and_risk():
    payload = (FIXTURES / "vigilance" / "NXFR33_LFPW_.xml").read_bytes()
    alerts = ingest_payload(payload, None, allow_expired=True).alerts  # format detected from <CV>
    aisne = sorted((a.hazard, a.level) for a in alerts if a.details["domain"] == "02")
    assert aisne == [("river_flood", 2), ("snow_ice", 2)]
    assert not [a for a in alerts if a.details["domain"] in ("07", "0610")]  # green domains
    # next bulletin: Aisne only snow-ice left → its river-flood alert ends
    nxt = (b'<?xml version="1.0" encoding="UTF-8"?><CV><EV daterun="20180319160000" dateprevue="20990320160000"/>'
           b'<DV dep="02" coul="3"><risque val="5"/></DV></CV>')
    [snow] = ingest_payload(nxt, "vigilance").alerts[:1]
    assert (snow.hazard, snow.level) == ("snow_ice", 3)
    assert Alert.objects.get(details__domain="02", hazard="river_flood").lifecycle == Lifecycle.ENDED
