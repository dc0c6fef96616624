"""load_demo generates the demo network on first run, and --if-empty leaves it alone afterwards."""
import io

import pytest
from django.core.management import call_command

from network.models import Network, Premises, Site


@pytest.mark.django_db
def test_first_run_generates_demo_29_and_second_run_keeps_it():
    call_command("load_demo", "--if-empty", "--premises", "1500", stdout=io.StringIO())
    net = Network.objects.get(slug="demo-29")
    assert (net.owner.slug, net.operator.slug, net.departement_id) == ("syndicat-finistere", "oi-armor", "29")
    assert Premises.objects.filter(network=net).count() == 1500
    assert Site.objects.filter(network=net, site_type="NRO").exists()
    assert Premises.objects.filter(network=net, commune_id="29232", critical_category="town_hall").exists()  # Quimper
    codes = list(Premises.objects.filter(network=net).order_by("code").values_list("code", "geom"))
    version = net.version
    from complex_connections.models import ComplexConnection
    from resilience.models import Alert

    cases = ComplexConnection.objects.filter(network=net)
    assert cases.exists() and all(case.rules and case.estimated_cost > 0 for case in cases[:50])
    storm = Alert.objects.get(identifier="demo-tempete-quimper")
    assert (storm.hazard, storm.level, storm.network_id) == ("wind", 3, net.pk)

    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    net.refresh_from_db()
    assert net.version == version
    assert list(Premises.objects.filter(network=net).order_by("code").values_list("code", "geom")) == codes
