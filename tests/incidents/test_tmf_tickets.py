"""TMF621 v4 trouble tickets: create, read, fields, filters, paging, merge patch, damaged assets."""
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import DamagedAsset, TroubleTicket

from .conftest import TT, patch, ticket_body

pytestmark = pytest.mark.django_db


def test_create_returns_the_tmf_ticket(clients, net):
    response = clients["op"].post(TT, ticket_body(name="D1 arraché", priority="high", externalId="OI-123"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["@type"] == "VigieFibreTroubleTicket" and body["@baseType"] == "TroubleTicket"
    assert body["href"] == f"http://testserver{TT}/{body['id']}"
    assert response["Location"] == body["href"]
    assert body["status"] == "acknowledged"
    assert (body["description"], body["severity"], body["ticketType"]) == ("Poteau cassé, câble D1 au sol", "major", "incident")
    assert (body["name"], body["priority"], body["externalId"]) == ("D1 arraché", "high", "OI-123")
    assert body["network"] == "net-a"
    assert body["relatedEntity"] == [{"id": "CM-D1a", "name": "CM-D1a", "role": "damaged", "@referredType": "RouteSegment"}]
    assert {(p["id"], p["role"]) for p in body["relatedParty"]} == {("syn-a", "owner"), ("oi-a", "operator")}
    assert [s["status"] for s in body["statusChange"]] == ["acknowledged"]
    asset = DamagedAsset.objects.get(ticket_id=body["id"])
    assert asset.segment == net.segments["CM-D1a"]


def test_required_fields_are_each_named(clients, net):
    response = clients["op"].post(TT, {"relatedEntity": []}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {e["path"] for e in body["errors"]} == {"description", "severity", "ticketType"}
    assert body["code"] == "400" and "description" in body["message"] and body["reason"]


def test_severity_and_type_are_checked_and_normalised(clients, net):
    response = clients["op"].post(TT, ticket_body(severity="Critical", ticketType="collectiveOutage"), format="json")
    assert response.status_code == 201
    assert response.json()["severity"] == "critical"
    # CM-D1a carries D1 (SRO1 → PBO1), and PBO2 hangs behind PBO1: their six premises are cut
    assert sorted(response.json()["impactedPremises"]) == ["AD-1-1", "AD-1-2", "AD-1-3", "AD-2-1", "AD-2-2", "AD-2-3"]
    response = clients["op"].post(TT, ticket_body(severity="apocalyptic"), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "severity"


def test_unknown_damaged_asset_codes_are_named(clients, net):
    body = ticket_body(relatedEntity=[
        {"id": "CM-D1a", "@referredType": "RouteSegment", "role": "damaged"},
        {"id": "PT-NOPE", "@referredType": "SupportPoint", "role": "damaged"},
        {"id": "CM-D1a", "@referredType": "Cable", "role": "damaged"},
    ])
    response = clients["op"].post(TT, body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == ["relatedEntity.1.id", "relatedEntity.2.id"]
    assert "PT-NOPE" in errors[0]["reason"] and "net-a" in errors[0]["reason"]
    assert not TroubleTicket.objects.exists()


def test_codes_resolve_against_the_ticket_network(clients, net, net_b):
    # both networks use the same codes: each ticket points at its own network's segment
    a = clients["op"].post(TT, ticket_body(), format="json").json()
    b = clients["other_op"].post(TT, ticket_body(), format="json").json()
    assert DamagedAsset.objects.get(ticket_id=a["id"]).segment == net.segments["CM-D1a"]
    assert DamagedAsset.objects.get(ticket_id=b["id"]).segment == net_b.segments["CM-D1a"]


def test_every_asset_type_resolves(clients, net):
    entities = [
        {"id": "CM-D1b", "@referredType": "RouteSegment", "role": "damaged"},
        {"id": "PT-A1", "@referredType": "SupportPoint", "role": "damaged"},
        {"id": "ST-SRO1", "@referredType": "Site", "role": "damaged"},
        {"id": "BP-PBO1", "@referredType": "Enclosure", "role": "damaged"},
        {"id": "CB-D1", "@referredType": "Cable", "role": "damaged"},
    ]
    body = clients["op"].post(TT, ticket_body(relatedEntity=entities), format="json").json()
    assert [(e["id"], e["@referredType"]) for e in body["relatedEntity"]] == [(e["id"], e["@referredType"]) for e in entities]
    from incidents.services.impact import impact_arguments

    args = impact_arguments(TroubleTicket.objects.get(pk=body["id"]))
    assert args == {"failed_segments": ["CM-D1a", "CM-D1b"], "failed_supports": ["PT-A1", "PT-PBO1"],
                    "failed_sites": ["ST-SRO1"]}
    impact = body["impact"]  # computed by the impact engine: SRO1 flooded cuts PBO1 and PBO2
    assert (impact["premises"], impact["households"], impact["businesses"]) == (6, 12, 2)
    assert [site["code"] for site in impact["criticalSites"]] == ["AD-2-1"]
    assert [(c["insee"], c["premises"]) for c in impact["communes"]] == [("29232", 6)]


def test_network_is_required_when_the_organisation_has_several(clients, net, token_client):
    from tests.builders import build_small_network

    build_small_network("net-a2", "syn-a", "oi-a")
    response = clients["op"].post(TT, ticket_body(), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "network"
    response = clients["op"].post(TT, ticket_body(network="net-a2"), format="json")
    assert response.status_code == 201 and response.json()["network"] == "net-a2"
    response = clients["op"].post(TT, ticket_body(network="net-b"), format="json")
    assert response.status_code == 400 and "net-b" in response.json()["errors"][0]["reason"]


def test_fields_selection(clients, create_ticket):
    ticket = create_ticket()
    response = clients["syn"].get(f"{TT}/{ticket['id']}", {"fields": "status,severity"})
    assert response.status_code == 200
    assert set(response.json()) == {"id", "status", "severity"}  # the requested attributes plus id
    listing = clients["syn"].get(TT, {"fields": "ticketType"}).json()
    assert set(listing[0]) == {"id", "ticketType"}
    unknown = clients["syn"].get(TT, {"fields": "colour"})  # ignored, as TMF implementations do
    assert unknown.status_code == 200 and set(unknown.json()[0]) == {"id"}


def test_filters(clients, create_ticket):
    a = create_ticket(severity="critical")
    b = create_ticket(severity="minor", ticketType="collectiveOutage")
    patch(clients["op"], a["id"], {"status": "inProgress"})
    TroubleTicket.objects.filter(pk=b["id"]).update(creation_date=timezone.now() - timedelta(days=3))

    def ids(**params):
        response = clients["syn"].get(TT, params)
        assert response.status_code == 200, response.content
        return sorted(t["id"] for t in response.json())

    assert ids(status="inProgress") == [a["id"]]
    assert ids(status="inProgress,acknowledged") == sorted([a["id"], b["id"]])
    assert ids(severity="minor") == [b["id"]]
    assert ids(ticketType="collectiveOutage") == [b["id"]]
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(**{"creationDate.gt": yesterday}) == [a["id"]]
    assert ids(**{"creationDate.lt": yesterday}) == [b["id"]]
    assert ids(**{"creationDate.gte": (timezone.now() - timedelta(days=5)).date().isoformat()}) == sorted([a["id"], b["id"]])
    assert clients["syn"].get(TT, {"status": "open"}).status_code == 400
    bad = clients["syn"].get(TT, {"creationDate.gt": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "creationDate.gt"


def test_paging_headers(clients, create_ticket):
    created = [create_ticket()["id"] for _ in range(5)]
    response = clients["syn"].get(TT, {"offset": 1, "limit": 2})
    assert response.status_code == 200
    assert response["X-Total-Count"] == "5" and response["X-Result-Count"] == "2"
    newest_first = list(reversed(created))
    assert [t["id"] for t in response.json()] == newest_first[1:3]
    last = clients["syn"].get(TT, {"offset": 4, "limit": 2})
    assert last["X-Result-Count"] == "1"
    assert clients["syn"].get(TT, {"limit": "lots"}).status_code == 400


def test_merge_patch_changes_given_attributes_only(clients, create_ticket):
    ticket = create_ticket(name="avant", priority="low")
    later = (timezone.now() + timedelta(hours=6)).replace(microsecond=0)
    response = patch(clients["syn"], ticket["id"], {"description": "Deux poteaux", "priority": None,
                                                    "expectedResolutionDate": later.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["description"] == "Deux poteaux"
    assert "priority" not in body  # null removes it (RFC 7396)
    assert body["name"] == "avant"
    assert body["expectedResolutionDate"] == later.isoformat()
    # plain application/json is accepted too
    assert patch(clients["op"], ticket["id"], {"name": "après"}, "application/json").json()["name"] == "après"


def test_merge_patch_refuses_read_only_unknown_and_null_required(clients, create_ticket):
    ticket = create_ticket()
    response = patch(clients["op"], ticket["id"], {"creationDate": "2020-01-01T00:00:00Z", "colour": "red"})
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"creationDate", "colour"}
    response = patch(clients["op"], ticket["id"], {"description": None})
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "description"
    assert clients["op"].patch(f"{TT}/{ticket['id']}", "[]", content_type="application/json-patch+json").status_code == 415


def test_patch_replaces_related_entities(clients, create_ticket):
    ticket = create_ticket()
    response = patch(clients["op"], ticket["id"], {"relatedEntity": [
        {"id": "CM-D2", "@referredType": "RouteSegment", "role": "damaged"}]})
    assert [e["id"] for e in response.json()["relatedEntity"]] == ["CM-D2"]
    response = patch(clients["op"], ticket["id"], {"relatedEntity": [
        {"id": "CM-ZZ", "@referredType": "RouteSegment", "role": "damaged"}]})
    assert response.status_code == 400 and "CM-ZZ" in response.json()["message"]
    assert [a.code for a in DamagedAsset.objects.filter(ticket_id=ticket["id"])] == ["CM-D2"]


def test_notes_are_appended(clients, create_ticket):
    ticket = create_ticket(note=[{"text": "Équipe en route"}])
    first = ticket["note"][0]
    response = patch(clients["syn"], ticket["id"], {"note": [first, {"text": "Élagage nécessaire"}]})
    assert response.status_code == 200
    assert [n["text"] for n in response.json()["note"]] == ["Équipe en route", "Élagage nécessaire"]
    assert response.json()["note"][1]["author"] == "user-syn-a-crisis_manager"
    response = patch(clients["syn"], ticket["id"], {"note": [{"id": "999999", "text": "réécrit"}]})
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "note.0.id"


def test_unknown_ticket_and_delete(clients, create_ticket):
    ticket = create_ticket()
    assert clients["op"].get(f"{TT}/999999").status_code == 404
    assert clients["op"].get(f"{TT}/abc").status_code == 400  # malformed id: TMF Error 400
    response = clients["op"].delete(f"{TT}/{ticket['id']}")
    assert response.status_code == 405 and response.json()["code"] == "405"


def test_a_new_ticket_is_acknowledged(clients, net):
    response = clients["op"].post(TT, ticket_body(status="resolved"), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "status"
    assert clients["op"].post(TT, ticket_body(status="acknowledged"), format="json").status_code == 201


def test_listing_costs_the_same_queries_for_any_page_size(clients, create_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_listing():
        with CaptureQueriesContext(connection) as ctx:
            assert clients["syn"].get(TT, {"limit": 50}).status_code == 200
        return len(ctx)

    for _ in range(2):
        create_ticket(note=[{"text": "n"}])
    queries_for_listing()  # the token's last use is written on the first request only
    few = queries_for_listing()
    for _ in range(6):
        create_ticket(note=[{"text": "n"}])
    assert queries_for_listing() == few  # no N+1: prefetches, not per-ticket queries
