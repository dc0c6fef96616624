"""Network model invariants that live in the database itself."""
import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import IntegrityError, transaction

from network.models import Commune, Departement, Network, Node, Premises, RouteSegment
from organisations.scoping import Principal
from tests.builders import build_small_network


def test_boundaries_are_loaded_in_lambert93(db):
    quimper = Commune.objects.get(insee="29232")
    assert quimper.name == "Quimper"
    assert quimper.geom.srid == 2154
    assert quimper.geom.valid
    assert Departement.objects.get(code="29").name == "Finistère"
    assert Commune.objects.filter(departement_id="29").count() > 250


def test_codes_unique_per_network_not_across(db):
    net = build_small_network()
    other = build_small_network("net-b", owner="syn-b", operator="oi-b")
    assert Node.objects.filter(code="ND-NRO1").count() == 2  # same code in two networks is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(network=net.network, code="ND-NRO1", geom=Point(170000, 6790000, srid=2154))
    assert other.network.pk != net.network.pk


def test_invalid_geometry_is_refused_by_the_database(db):
    net = build_small_network()
    bowtie = LineString((170000, 6790000), (170000, 6790000), srid=2154)  # zero-length: invalid
    with pytest.raises(IntegrityError), transaction.atomic():
        RouteSegment.objects.create(
            network=net.network, code="CM-BAD", node1=net.nodes["ND-NRO1"], node2=net.nodes["ND-SRO1"],
            laying_mode="0", length_m=0, geom=bowtie,
        )
    assert not RouteSegment.objects.filter(code="CM-BAD").exists()


def test_network_objects_scoped_to_owner_and_operator(db):
    a = build_small_network()
    b = build_small_network("net-b", owner="syn-b", operator="oi-b")
    as_operator_a = Principal(user=None, roles={a.network.operator_id: "operator_agent"})
    assert set(Network.objects.restrict(as_operator_a).values_list("slug", flat=True)) == {"net-a"}
    assert set(Premises.objects.restrict(as_operator_a).values_list("network__slug", flat=True)) == {"net-a"}
    as_owner_b = Principal(user=None, roles={b.network.owner_id: "crisis_manager"})
    assert not RouteSegment.objects.restrict(as_owner_b).filter(network=a.network).exists()


def test_bump_version(db):
    net = build_small_network().network
    before = net.version
    net.bump_version()
    assert net.version == before + 1
