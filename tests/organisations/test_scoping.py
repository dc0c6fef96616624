"""The organisation-scoped queryset helper never returns another organisation's rows."""
import pytest
from django.contrib.auth import get_user_model

from core.models import Heartbeat
from organisations.models import Membership, Organisation, OrganisationKind
from organisations.scoping import Principal


@pytest.fixture
def two_worlds(make_org):
    """Two syndicates each with their own operator, plus an unrelated commune."""
    syn_a, syn_b = make_org("syn-a"), make_org("syn-b")
    oi_a, oi_b = make_org("oi-a", kind=OrganisationKind.OPERATOR), make_org("oi-b", kind=OrganisationKind.OPERATOR)
    oi_a.syndicates.add(syn_a)
    oi_b.syndicates.add(syn_b)
    commune = make_org("quimper", kind=OrganisationKind.COMMUNE, insee_code="29232")
    return syn_a, syn_b, oi_a, oi_b, commune


def slugs(qs):
    return sorted(qs.values_list("slug", flat=True))


def test_operator_sees_itself_and_the_syndicates_it_operates(two_worlds):
    syn_a, syn_b, oi_a, oi_b, commune = two_worlds
    principal = Principal(user=None, roles={oi_a.pk: "operator_agent"})
    assert slugs(Organisation.objects.restrict(principal)) == ["oi-a", "syn-a"]


def test_syndicate_sees_its_operators_not_the_others(two_worlds):
    syn_a, *_ = two_worlds
    principal = Principal(user=None, roles={syn_a.pk: "crisis_manager"})
    assert slugs(Organisation.objects.restrict(principal)) == ["oi-a", "syn-a"]


def test_memberships_are_scoped_by_organisation(two_worlds):
    syn_a, syn_b, *_ = two_worlds
    User = get_user_model()
    Membership.objects.create(user=User.objects.create(username="a"), organisation=syn_a, role="viewer")
    Membership.objects.create(user=User.objects.create(username="b"), organisation=syn_b, role="viewer")
    principal = Principal(user=None, roles={syn_a.pk: "crisis_manager"})
    visible = Membership.objects.restrict(principal)
    assert [m.user.username for m in visible] == ["a"]


def test_no_principal_sees_nothing_and_superuser_sees_all(two_worlds):
    assert not Organisation.objects.restrict(None).exists()
    assert Organisation.objects.restrict(Principal(user=None, is_superuser=True)).count() == 5


def test_unscoped_model_refuses_to_be_restricted(db):
    from organisations.scoping import RestrictedQuerySet

    with pytest.raises(TypeError, match="cannot be restricted"):
        RestrictedQuerySet(model=Heartbeat).restrict(Principal(user=None, roles={1: "viewer"}))


def test_api_list_is_scoped(two_worlds, token_client):
    syn_a, syn_b, oi_a, oi_b, commune = two_worlds
    client, _ = token_client(oi_b, role="operator_agent")
    body = client.get("/api/v1/organisations/").json()
    assert sorted(o["slug"] for o in body["results"]) == ["oi-b", "syn-b"]
    assert client.get("/api/v1/organisations/syn-a/").status_code == 404
