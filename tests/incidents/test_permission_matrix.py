"""One permission matrix: every incidents endpoint × role × own/other organisation.

The objects (a ticket, a crisis, a contact) belong to net-a (owner syn-a, operator oi-a); net-b
(syn-b / oi-b) is the other world.
"""
import pytest

from tests.permission_matrix import WRITERS, matrix

from .conftest import TT, patch, ticket_body

pytestmark = pytest.mark.django_db


def expected(role, own):
    """endpoint -> expected status for this role, own (syn-a / oi-a) or other (syn-b / oi-b) organisation."""
    write = role in WRITERS
    if role == "elected_official":
        tickets = dict.fromkeys(["tt_list", "tt_get", "tt_create", "tt_patch", "tt_attach"], 403)
        log = {"log_list": 403, "log_create": 403}
    elif own:
        tickets = {"tt_list": 200, "tt_get": 200, "tt_create": 201 if write else 403,
                   "tt_patch": 200 if write else 403, "tt_attach": 201 if write else 403}
        log = {"log_list": 200, "log_create": 201 if write else 403}
    else:
        tickets = {"tt_list": 200, "tt_get": 404, "tt_create": 400, "tt_patch": 404, "tt_attach": 404}
        log = {"log_list": 200, "log_create": 400}
    if not write and role != "elected_official":
        log["log_create"] = 403  # a read-only role is refused before any lookup (ScopedViewMixin)
    crises = {
        "crisis_list": 200, "crisis_get": 200 if own else 404,
        "crisis_create": 201 if write else 403,
        "crisis_patch": (200 if own else 404) if write else 403,
        "on_call": 200 if own else 404,
    }
    contacts = {"contact_list": 200, "contact_get": 200 if own else 404, "contact_create": 201 if write else 403}
    return {**tickets, **log, **crises, **contacts}


@pytest.fixture
def world(net, net_b, token_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    op, _ = token_client(net.network.operator, "operator_agent", username="setup-op")
    ticket = op.post(TT, ticket_body(), format="json").json()
    crisis = op.post("/api/v1/crises/", {"name": "Tempête", "networks": ["net-a"]}, format="json").json()
    contact = op.post("/api/v1/contacts/", {"name": "Astreinte", "role": "astreinte", "phone": "1"}, format="json").json()
    return {"ticket": ticket["id"], "crisis": crisis["id"], "contact": contact["id"]}


@matrix
def test_permission_matrix(world, token_client, org_slug, own, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from organisations.models import Organisation

    client, _ = token_client(Organisation.objects.get(slug=org_slug), role)
    t, c, k = world["ticket"], world["crisis"], world["contact"]
    png = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, content_type="image/png")
    calls = {
        "tt_list": lambda: client.get(TT),
        "tt_get": lambda: client.get(f"{TT}/{t}"),
        "tt_create": lambda: client.post(TT, ticket_body(network="net-a"), format="json"),
        "tt_patch": lambda: patch(client, t, {"note": [{"text": "vu"}]}),
        "tt_attach": lambda: client.post(f"{TT}/{t}/attachment", {"file": png}, format="multipart"),
        "log_list": lambda: client.get("/api/v1/crisis-log/"),
        "log_create": lambda: client.post("/api/v1/crisis-log/", {"crisis": c, "kind": "call", "text": "x"}, format="json"),
        "crisis_list": lambda: client.get("/api/v1/crises/"),
        "crisis_get": lambda: client.get(f"/api/v1/crises/{c}/"),
        "crisis_create": lambda: client.post("/api/v1/crises/", {"name": "Crue"}, format="json"),
        "crisis_patch": lambda: client.patch(f"/api/v1/crises/{c}/", {"level": "alert"}, format="json"),
        "on_call": lambda: client.get(f"/api/v1/crises/{c}/on-call/"),
        "contact_list": lambda: client.get("/api/v1/contacts/"),
        "contact_get": lambda: client.get(f"/api/v1/contacts/{k}/"),
        "contact_create": lambda: client.post("/api/v1/contacts/", {"name": "N", "role": "r", "email": "n@x.fr"},
                                              format="json"),
    }
    want = expected(role, own)
    got = {name: call().status_code for name, call in calls.items()}
    assert got == want
