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
