"""The demo network ships power values: every NRO an active site, a mobile generator fleet; an
outage over its communes predicts darkness through the impact engine on the generated network."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from network.models import Network, Premises, Site
from power.models import MobileGenerator, PowerOutage, PowerSupply
from power.services.dispatch import plan
from power.services.prediction import network_power_state

pytestmark = pytest.mark.django_db


def test_demo_supplies_predict_and_dispatch():
    call_command("load_demo", "--if-empty", "--premises", "1500", stdout=io.StringIO())
    net = Network.objects.get(slug="demo-29")
    nros = Site.objects.filter(network=net, site_type__in=["NRO", "SROL"])
    assert PowerSupply.objects.filter(network=net).count() == nros.count() > 0
    assert MobileGenerator.objects.get(network=net).count == 3
    communes = set(Premises.objects.filter(network=net).values_list("commune_id", flat=True))
    from django.contrib.gis.db.models import Union
    from django.contrib.gis.geos import MultiPolygon

    from network.models import Commune

    area = Commune.objects.filter(insee__in=communes).aggregate(u=Union("geom"))["u"]
    area = area if area.geom_type == "MultiPolygon" else MultiPolygon(area, srid=2154)
    start = timezone.now() - timedelta(hours=1)
    PowerOutage.objects.create(network=net, area=area, start=start, source="demo")
    state = network_power_state(net)
    assert state["totals"]["on_battery"] + state["totals"]["on_generator"] == state["totals"]["sites"]
    served = sum(r["premises_cut"] for r in state["sites"])
    assert served > 0 and state["totals"]["premises_cut_predicted"] > 0
    for row in state["sites"]:
        supply = PowerSupply.objects.get(site__code=row["code"], network=net)
        hours = supply.battery_hours + (supply.fuel_hours or 0)
        assert row["dark_at"] == start + timedelta(hours=hours)
    assert plan(net)["assignments"]
