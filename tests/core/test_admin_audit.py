"""Changes made in the Django admin are audited like API changes (core.admin.AuditedModelAdmin)."""
import pytest
from django.contrib import admin as django_admin
from django.core.management import call_command

from core.admin import AuditedModelAdmin
from core.models import AuditEvent
from incidents.models import Crisis
from organisations.models import ApiToken, OrganisationKind
from organisations.services import issue_token, link_operator


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.MFA_REQUIRED_ROLES = []  # a superuser's session needs a second factor otherwise (docs/security.md)


def rows(model, pk):
    return list(AuditEvent.objects.filter(content_type__model=model, object_id=str(pk)).order_by("id"))


def test_every_registered_admin_is_audited():
    unaudited = [model._meta.label for model, model_admin in django_admin.site._registry.items()
                 if not isinstance(model_admin, AuditedModelAdmin)]
    assert unaudited == []


def test_admin_add_change_delete_are_audited_with_the_admin_as_actor(client, django_user_model, make_org):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(root)
    syn = make_org("syn-a")
    response = client.post("/admin/incidents/crisis/add/", {
        "name": "Tempête", "level": "watch", "opened_at_0": "2026-12-01", "opened_at_1": "10:00:00",
        "alert_ids": "[]", "organisations": [syn.pk]})
    assert response.status_code == 302, response.content[:2000]
    crisis = Crisis.objects.get(name="Tempête")
    response = client.post(f"/admin/incidents/crisis/{crisis.pk}/change/", {
        "name": "Tempête Ciarán", "level": "crisis", "opened_at_0": "2026-12-01", "opened_at_1": "10:00:00",
        "alert_ids": "[]", "organisations": [syn.pk]})
    assert response.status_code == 302
    response = client.post(f"/admin/incidents/crisis/{crisis.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Crisis.objects.filter(pk=crisis.pk).exists()
    events = rows("crisis", crisis.pk)
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert all(e.actor == root for e in events)
    assert events[0].after["organisations"] == [syn.pk]
    assert events[1].before["name"] == "Tempête" and events[1].after["name"] == "Tempête Ciarán"
    assert events[2].before["level"] == "crisis" and events[2].after is None


def test_token_revocation_in_the_admin_is_audited(client, django_user_model, make_org):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(root)
    token, _key = issue_token("alice", make_org("syn-a"), "viewer")
    response = client.post("/admin/organisations/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    events = rows("apitoken", token.pk)
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].actor == root and events[1].before["revoked_at"] is None and events[1].after["revoked_at"]
    assert all("key_hash" not in (e.after or {}) for e in events)  # never the secret


def test_issue_token_and_link_operator_are_audited(make_org):
    syn, oi = make_org("syn-a"), make_org("oi-a", kind=OrganisationKind.OPERATOR)
    token, _key = issue_token("bob", syn, "crisis_manager")
    [event] = rows("apitoken", token.pk)
    assert event.action == "create" and event.organisation == syn and event.after["role"] == "crisis_manager"
    assert "key_hash" not in event.after and ApiToken.objects.get(pk=token.pk).key_hash
    assert AuditEvent.objects.filter(content_type__model="membership", organisation=syn).count() == 1
    link_operator(oi, syn)
    link_operator(oi, syn)  # already linked: nothing to record
    events = rows("organisation", oi.pk)
    assert [(e.organisation.slug, e.before, e.after) for e in events] == [
        ("oi-a", {"syndicates": []}, {"syndicates": ["syn-a"]}), ("syn-a", {"syndicates": []}, {"syndicates": ["syn-a"]})]


def test_commands_audit_too(make_org):
    make_org("syn-a")
    call_command("create_organisation", "oi-b", "--kind", "operator", "--name", "OI B")
    call_command("link_operator", "oi-b", "syn-a")
    assert AuditEvent.objects.filter(content_type__model="organisation", object_repr__icontains="OI B").count() >= 1
