"""An alert's exposure lists the active sites whose grid supply lies in its area, as a risk."""
import pytest

from power.models import PowerSupply
from resilience.services.exposure import refresh_alert
from resilience.services.ingest import ingest_payload
from tests.builders import point
from tests.resilience.capdocs import cap

pytestmark = pytest.mark.django_db


def test_exposure_shows_sites_fed_from_inside_the_alert_area(net, nro_supply, clients):
    # the CAP test box covers x 500..1500, y -200..800 around the builder origin: SRO1, not NRO1 ...
    PowerSupply.objects.create(network=net.network, site=net.sites["ST-SRO1"], battery_hours=2)
    # ... but NRO1 takes its power from a delivery point inside it
    nro_supply.grid_point = point(900, 100)
    nro_supply.save()
    PowerSupply.objects.create(network=net.network, site=net.sites["ST-SRO2"], battery_hours=2)  # (1000, -1000): outside
    alert = ingest_payload(cap(), "cap").alerts[0]
    refresh_alert(alert)
    r = clients["owner"].get(f"/api/v1/alerts/{alert.pk}/exposure/", {"network": "net-a"})
    assert r.status_code == 200, r.content
    sites = r.json()["power_sites_in_area"]
    assert [s["code"] for s in sites] == ["ST-NRO1", "ST-SRO1"]
    assert sites[0]["risk"] == "grid_supply_in_alert_area" and sites[0]["battery_hours"] == 4
