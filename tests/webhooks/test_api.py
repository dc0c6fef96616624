"""The TMF621 hub and the native subscription API: shapes, roles, scoping, SSRF refusals."""
import pytest

from core.models import AuditEvent
from webhooks.models import Subscription, SubscriptionSource, SubscriptionStatus

HUB = "/tmf-api/troubleTicket/v4/hub"
SUBS = "/api/v1/webhooks/subscriptions/"


@pytest.fixture
def allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


def test_hub_register_and_unregister(partners, token_client, allowed):
    syn, oi_a, _ = partners
    client, _ = token_client(oi_a, "operator_agent")
    query = "eventType=TroubleTicketStateChangeEvent&event.troubleTicket.severity=critical"
    response = client.post(HUB, {"callback": "http://127.0.0.1:9/listener", "query": query}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "callback", "query", "secret"}
    assert body["callback"] == "http://127.0.0.1:9/listener" and body["query"] == query
    assert body["secret"].startswith("whsec_")
    assert response["Location"].endswith(f"{HUB}/{body['id']}")
    sub = Subscription.objects.get(pk=body["id"])
    assert (sub.organisation, sub.source) == (oi_a, SubscriptionSource.TMF)
    assert all(name.startswith("TroubleTicket") for name in sub.event_types)
    assert AuditEvent.objects.filter(object_id=str(sub.pk), action="create").exists()
    assert "whsec_" not in str(AuditEvent.objects.get(object_id=str(sub.pk)).after)

    shown = client.get(f"{HUB}/{body['id']}").json()
    assert shown == {"id": body["id"], "callback": body["callback"], "query": query}  # no secret
    assert client.delete(f"{HUB}/{body['id']}").status_code == 204
    assert client.delete(f"{HUB}/{body['id']}").status_code == 404
    assert client.delete(f"{HUB}/not-a-uuid").status_code == 400  # malformed id: TMF Error 400
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("callback, fragment", [
    ("http://partner.example/hook", "https"),
    ("https://127.0.0.1/hook", "bouclage"),  # 127.0.0.1 not allowed here
    ("https://10.0.0.8/hook", "privée"),
    ("https://169.254.169.254/hook", "lien-local"),
    ("https://[::1]/hook", "bouclage"),
    ("https://localhost/hook", "bouclage"),
])
def test_hub_refuses_unsafe_callbacks(partners, token_client, settings, callback, fragment):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    client, _ = token_client(partners[1], "operator_agent")
    response = client.post(HUB, {"callback": callback}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"] == "callback" and fragment in error["reason"]
    assert not Subscription.objects.exists()


def test_hub_refuses_bad_query_and_non_ticket_events(partners, token_client, allowed):
    client, _ = token_client(partners[1], "operator_agent")
    for query in ("eventType=Nope", "eventType=alert.created", "severity=critical"):
        response = client.post(HUB, {"callback": "http://127.0.0.1:9/", "query": query}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["path"] == "query"
    response = client.post(HUB, {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "callback"


@pytest.mark.parametrize("role, code", [("viewer", 403), ("elected_official", 403), ("crisis_manager", 201), ("admin", 201)])
def test_only_write_roles_subscribe(partners, token_client, allowed, role, code):
    client, _ = token_client(partners[0], role)
    assert client.post(HUB, {"callback": "http://127.0.0.1:9/"}, format="json").status_code == code
    assert client.post(SUBS, {"callback": "http://127.0.0.1:9/"}, format="json").status_code == code


def test_native_crud_and_secret_shown_once(partners, token_client, allowed):
    syn, oi_a, _ = partners
    client, _ = token_client(syn, "crisis_manager")
    response = client.post(SUBS, {"callback": "http://127.0.0.1:9/alerts", "description": "SIG du syndicat",
                                  "event_types": ["alert.created", "exposure.computed", "crisis.opened"]}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["organisation"] == "syn-a"
    assert created["status"] == "active" and created["source"] == "native"
    url = f"{SUBS}{created['id']}/"
    listed = client.get(SUBS).json()["results"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    assert listed[0]["delivery_counts"] == {"pending": 0, "succeeded": 0, "dead": 0, "cancelled": 0}

    patched = client.patch(url, {"status": "disabled", "event_types": ["alert.cancelled"]}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "disabled"
    assert client.patch(url, {"callback": "https://10.0.0.1/"}, format="json").json()["errors"][0]["path"] == "callback"
    assert client.patch(url, {"status": "failing"}, format="json").status_code == 400

    rotated = client.post(f"{url}rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    sub = Subscription.objects.get(pk=created["id"])
    assert sub.previous_secret == created["secret"] and sub.previous_secret_expires_at
    assert client.delete(url).status_code == 204


def test_native_refuses_unknown_event_type(partners, token_client, allowed):
    client, _ = token_client(partners[0], "crisis_manager")
    response = client.post(SUBS, {"callback": "http://127.0.0.1:9/", "event_types": ["storm.started"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"].startswith("event_types")


def test_event_type_catalogue(partners, token_client):
    client, _ = token_client(partners[0], "viewer")
    names = {t["name"] for t in client.get(f"{SUBS}event-types/").json()}
    assert {"alert.created", "alert.updated", "alert.cancelled", "exposure.computed", "crisis.opened",
            "crisis.closed", "TroubleTicketCreateEvent", "TroubleTicketDeleteEvent"} <= names


def test_each_organisation_sees_only_its_subscriptions(partners, token_client, allowed):
    syn, oi_a, oi_b = partners
    a, _ = token_client(oi_a, "operator_agent")
    b, _ = token_client(oi_b, "operator_agent")
    sub_a = a.post(HUB, {"callback": "http://127.0.0.1:9/a"}, format="json").json()
    assert b.get(SUBS).json()["results"] == []
    assert b.get(f"{SUBS}{sub_a['id']}/").status_code == 404
    assert b.delete(f"{HUB}/{sub_a['id']}").status_code == 404
    assert b.get(f"{SUBS}{sub_a['id']}/deliveries/").status_code == 404
    assert Subscription.objects.filter(pk=sub_a["id"], status=SubscriptionStatus.ACTIVE).exists()


def test_api_root_lists_webhooks(partners, token_client):
    client, _ = token_client(partners[0], "viewer")
    assert client.get("/api/v1/").json()["webhooks"].endswith("/api/v1/webhooks/subscriptions/")


def test_sweeper_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"]["task"] == "webhooks.tasks.sweep"
