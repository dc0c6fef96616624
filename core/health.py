"""Health of the parts Vigie Fibre needs: PostgreSQL, PostGIS, Redis and a live Celery worker.

Each check returns (ok, value) where value is "ok" (or the PostGIS version) or the reason it
failed, so /healthz names exactly which part is down at 3 a.m.
"""
from django.conf import settings
from django.db import connection

import redis
from celery import current_app  # the project app (config.celery), set as current when created


def check_database() -> tuple[bool, str, str]:
    """Returns (ok, database_state, postgis_version_or_reason)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            try:
                cursor.execute("SELECT postgis_lib_version()")
                (version,) = cursor.fetchone()
            except Exception as exc:  # the database answers but PostGIS is missing
                return False, "ok", f"error: {exc.__class__.__name__}: {exc}".strip()
        return True, "ok", version
    except Exception as exc:
        reason = f"error: {exc.__class__.__name__}: {str(exc).strip()[:200]}"
        return False, reason, "unknown: database unreachable"


def check_redis(url: str | None = None) -> tuple[bool, str]:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return True, "ok"
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}: {str(exc)[:200]}"


def check_celery(timeout: float | None = None) -> tuple[bool, str]:
    """Ping live workers through the broker's broadcast channel (does not queue behind a backlog)."""
    try:
        replies = current_app.control.ping(timeout=timeout or settings.HEALTH_CELERY_TIMEOUT)
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}: {str(exc)[:200]}"
    if not replies:
        return False, "error: no worker answered the ping"
    return True, "ok"


def health() -> tuple[bool, dict]:
    db_ok, database, postgis = check_database()
    redis_ok, redis_state = check_redis()
    if redis_ok:
        celery_ok, celery_state = check_celery()
    else:
        celery_ok, celery_state = False, "error: broker (Redis) unreachable"
    ok = db_ok and redis_ok and celery_ok
    body = {
        "status": "ok" if ok else "error",
        "database": database,
        "postgis": postgis,
        "redis": redis_state,
        "celery": celery_state,
    }
    return ok, body
