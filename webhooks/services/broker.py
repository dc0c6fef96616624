"""Handing tasks to Celery without ever failing the caller (core.enqueue, shared by every app).

PostgreSQL is the source of truth (outbox events, pending deliveries); the broker only makes things
fast. When Redis is down, `send()` logs, returns False and, for a few seconds, does not even try
(so a request emitting many events does not wait a connect timeout for each); the sweeper sends
everything once Redis is back.
"""
from core.enqueue import send  # noqa: F401 - the webhooks app's historical entry point
