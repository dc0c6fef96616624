"""Shared fixtures: real PostGIS (pytest-django's test database), real Redis, a real Celery worker."""
import pytest
from rest_framework.test import APIClient

from organisations.models import Organisation, OrganisationKind
from organisations.services import issue_token


@pytest.fixture(autouse=True)
def _reference_boundaries(django_db_setup, django_db_blocker):
    """Keep the département/commune boundaries (loaded by a data migration) present.

    A transactional test (transaction=True, live_server, celery_worker) ends with a flush that
    empties every table, data-migration rows included. This fixture runs before the test's own
    database fixture (autouse first), so a reload here is committed and serves every later test.
    """
    from django.db import connection

    from network.models import Departement
    from network.services.boundaries import load_boundaries

    with django_db_blocker.unblock():
        if not Departement.objects.exists():
            with connection.cursor() as cursor:
                load_boundaries(cursor)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming the test broker on the real Redis.

    Transactional database: the worker's own connection must see what the test committed.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()  # leftovers of an interrupted run must not be consumed by this test
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING") as worker:
        yield worker


@pytest.fixture
def make_org(db):
    def make(slug, kind=OrganisationKind.SYNDICATE, **extra):
        return Organisation.objects.create(slug=slug, name=slug.replace("-", " ").title(), kind=kind, **extra)

    return make


@pytest.fixture
def token_client(db):
    """token_client(org, role, username=...) -> (APIClient authenticated by a real token, ApiToken)."""

    def make(org, role="crisis_manager", username=None):
        token, key = issue_token(username or f"user-{org.slug}-{role}", org, role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client, token

    return make
