"""The event-type registry is the single source: emit() refuses what is not registered, every
literal type emitted in the code is registered, and docs/webhooks.md is generated from it."""
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils.translation import gettext_lazy as _

from webhooks.models import OutboxEvent
from webhooks.registry import (
    TMF621, UnregisteredEventType, catalogue_markdown, event_type_names, get_event_type, register_event_type,
)
from webhooks.services.outbox import emit

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "organisations", "network", "resilience", "incidents", "complex_connections", "webhooks", "frontend"]


def test_emitting_an_unregistered_type_raises_and_writes_nothing(db):
    with pytest.raises(UnregisteredEventType, match="storm.started"):
        emit("storm.started", {}, organisations=[1], subject="storm:1")
    assert not OutboxEvent.objects.exists()


def test_a_name_claimed_twice_with_another_definition_is_refused():
    existing = get_event_type("alert.created")
    assert register_event_type("alert.created", app=existing.app, description=existing.description,
                               payload=existing.payload, subject=existing.subject) == existing
    with pytest.raises(ImproperlyConfigured):
        register_event_type("alert.created", app="frontend", description=_("autre"))


def test_every_type_emitted_in_the_code_is_registered():
    """Scan the sources for emit("…") / _emit("…") literals and the constants they use."""
    literal = re.compile(r"""\b_?emit\(\s*["']([^"']+)["']""")
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            found |= set(literal.findall(path.read_text(encoding="utf-8")))
    assert {"alert.created", "exposure.computed"} <= found  # the scan does see the emitters
    assert found - set(event_type_names()) == set()


def test_the_ticket_family_is_the_tmf621_hub_set():
    assert set(event_type_names(TMF621)) == {
        "TroubleTicketCreateEvent", "TroubleTicketStateChangeEvent", "TroubleTicketAttributeValueChangeEvent",
        "TroubleTicketResolvedEvent", "TroubleTicketInformationRequiredEvent", "TroubleTicketDeleteEvent",
        "TroubleTicketStatusChangeEvent",  # the TMF621 v4 name, subscribable as an alias (webhooks.services.query)
    }
    assert "ComplexConnectionStatusChangeEvent" in event_type_names()


def test_docs_catalogue_is_the_generated_one():
    doc = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    assert catalogue_markdown() in doc, "docs/webhooks.md is out of date: run `manage.py event_catalogue`"
    documented = set(re.findall(r"^\| `([^`]+)` \|", catalogue_markdown(), flags=re.M))
    assert documented == set(event_type_names())
    call_command("event_catalogue", "--check")
