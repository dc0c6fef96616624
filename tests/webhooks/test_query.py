"""The TMF-style subscription filter: grammar, matching, clear refusals."""
import pytest

from webhooks.services.query import QueryError, parse_query

from .conftest import ticket


def env(event_type="TroubleTicketStateChangeEvent", **fields):
    return {"eventType": event_type, "event": ticket(**fields)}


def test_empty_query_matches_everything():
    assert parse_query("").matches(env())
    assert parse_query("?").matches(env("alert.created"))


def test_event_type_and_ticket_field():
    q = parse_query("eventType=TroubleTicketStateChangeEvent&event.troubleTicket.severity=critical")
    assert q.matches(env())
    assert not q.matches(env("TroubleTicketCreateEvent"))
    assert not q.matches(env(severity="minor"))


def test_values_are_alternatives_and_case_insensitive():
    q = parse_query("eventType=TroubleTicketCreateEvent,TroubleTicketResolvedEvent&event.troubleTicket.severity=Major,CRITICAL")
    assert q.matches(env("TroubleTicketResolvedEvent"))
    assert not q.matches(env("TroubleTicketStateChangeEvent"))


def test_path_through_a_list_matches_any_element_and_missing_path_never():
    assert parse_query("event.troubleTicket.relatedEntity.@referredType=RouteSegment").matches(env())
    assert not parse_query("event.troubleTicket.relatedEntity.@referredType=Site").matches(env())
    assert not parse_query("event.troubleTicket.network=net-a").matches(env())


@pytest.mark.parametrize("query, fragment", [
    ("eventType=NoSuchEvent", "inconnu"),
    ("severity=critical", "non reconnu"),
    ("event.troubleTicket.severity=", "pas de valeur"),
    ("event..x=1", "non reconnu"),
    ("justtext", "illisible"),
])
def test_bad_queries_are_refused_with_a_reason(query, fragment):
    with pytest.raises(QueryError, match=fragment):
        parse_query(query)
