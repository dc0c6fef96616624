"""Generator dispatch: greedy plan by premises × hours of darkness avoided; connecting a unit updates
both the prediction and the plan."""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from network.models import Commune
from power.models import MobileGenerator, PowerOutage, PowerSupply
from power.services.dispatch import plan, travel_hours
from tests.builders import point

pytestmark = pytest.mark.django_db
T = datetime(2026, 11, 2, 1, 10, tzinfo=dt_timezone.utc)


@pytest.fixture
def storm(net, nro_supply):
    PowerSupply.objects.create(network=net.network, site=net.sites["ST-SRO2"], battery_hours=1, mobile_connectable=True)
    PowerSupply.objects.create(network=net.network, site=net.sites["ST-SRO1"], battery_hours=1, mobile_connectable=False)
    quimper = Commune.objects.get(insee="29232")
    PowerOutage.objects.create(network=net.network, area=quimper.geom, start=T)
    return MobileGenerator.objects.create(network=net.network, name="Dépôt", depot=point(0, 0), count=1, runtime_hours=24)


def test_travel_time_is_documented_detour_over_road_speed_plus_connection(settings):
    settings.POWER_DISPATCH = {**settings.POWER_DISPATCH, "ROAD_SPEED_KMH": 50, "DETOUR_FACTOR": 1.3, "CONNECT_MINUTES": 30}
    assert travel_hours(point(0, 0), point(30000, 40000)) == pytest.approx(50 * 1.3 / 50 + 0.5)


def test_one_unit_goes_where_it_keeps_most_premises_in_service(net, storm):
    result = plan(net.network, at=T, horizon_hours=24)
    [a] = result["assignments"]
    assert a["site"] == "ST-NRO1" and a["premises_saved"] == 9 and a["in_time"]
    assert a["dark_hours_avoided"] == pytest.approx(20.0)  # dark at T+4 h, kept up to the horizon (T+24 h)
    assert [u["site"] for u in result["unserved"]] == ["ST-SRO2"]  # ST-SRO1 cannot take a mobile generator
    assert result["premises_saved"] == 9


def test_two_units_cover_both_and_connecting_one_updates_the_plan(net, storm, nro_supply, clients):
    storm.count = 2
    storm.save()
    assert sorted(a["site"] for a in plan(net.network, at=T)["assignments"]) == ["ST-NRO1", "ST-SRO2"]
    r = clients["operator"].patch("/api/v1/networks/net-a/power/sites/ST-NRO1/",
                                  {"generator": "connected", "mobile_generator": storm.pk}, format="json")
    assert r.status_code == 200, r.content
    after = plan(net.network, at=T + timedelta(minutes=30))
    assert after["generators"][0]["in_use"] == 1
    assert [a["site"] for a in after["assignments"]] == ["ST-SRO2"]
    answer = clients["operator"].get("/api/v1/networks/net-a/power/dispatch/", {"at": T.isoformat()}).json()
    assert answer["assumptions"]["detour_factor"] == 1.3 and answer["assignments"][0]["site"] == "ST-SRO2"
    assert answer["assignments"][0]["location"] and answer["assignments"][0]["depot"]
