"""The OpenAPI schema still generates with the incidents endpoints; the API root lists them; the admin
keeps the crisis log and tickets read-only."""
import pytest
from django.contrib.admin.sites import site

from incidents.models import CrisisLogEntry, TroubleTicket

pytestmark = pytest.mark.django_db


def test_schema_lists_incidents_endpoints(clients):
    response = clients["syn"].get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/crises/", "/api/v1/crisis-log/", "/api/v1/contacts/", "/api/v1/on-call-periods/",
                 "/api/v1/crises/{id}/on-call/", "/tmf-api/troubleTicket/v4/troubleTicket",
                 "/tmf-api/troubleTicket/v4/troubleTicket/{id}"]:
        assert path in paths, path
    assert set(paths["/api/v1/crisis-log/{id}/"]) == {"get"}


def test_api_root_lists_the_endpoints(clients):
    root = clients["syn"].get("/api/v1/").json()
    assert {"crises", "crisis-log", "contacts", "on-call-periods"} <= set(root)


def test_admin_is_read_only_for_the_log_and_tickets(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    for model in (CrisisLogEntry, TroubleTicket):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
