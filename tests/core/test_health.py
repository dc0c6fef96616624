"""GET /healthz against the real database, Redis and a real Celery worker."""
import pytest

pytestmark = pytest.mark.integration


def test_healthz_all_ok_with_live_worker(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["celery"] == "ok"
    assert body["postgis"][0].isdigit()  # a version such as 3.3.2


def test_healthz_503_names_redis_when_unreachable(client, settings, db):
    # Port 1 on loopback: nothing listens there, so the connection is refused for real.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["redis"].startswith("error")
    assert body["celery"].startswith("error")
    assert body["database"] == "ok"


def test_healthz_503_names_celery_without_worker(client, db, settings):
    settings.HEALTH_CELERY_TIMEOUT = 0.5
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["redis"] == "ok"
    assert body["celery"] == "error: no worker answered the ping"


def test_healthz_needs_no_auth_and_carries_request_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code in (200, 503)
    assert response["X-Request-ID"] == "abc-123"


def test_unknown_api_url_is_json_404(client, db):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["reason"] == "no such resource: /api/v1/no-such-thing/"
    assert client.get("/no-such-page/").status_code == 404  # HTML elsewhere


def test_openapi_schema_generates_and_documents_token_auth(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["apiToken"]["name"] == "Authorization"
    assert "/api/v1/impact/" in schema["paths"] and "/tmf-api/troubleTicket/v4/troubleTicket" in schema["paths"]


def test_api_datetimes_are_utc(make_org, token_client):
    from core.audit import record

    org = make_org("syn-a")
    record(org, "update", organisation=org)
    client, _ = token_client(org, role="auditor")
    created = client.get("/api/v1/audit/").json()["results"][0]["created_at"]
    assert created.endswith("Z") or created.endswith("+00:00"), created
