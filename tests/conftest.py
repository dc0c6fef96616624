"""Shared fixtures: real PostGIS (pytest-django's test database), real Redis, a real Celery worker."""
import pytest
from rest_framework.test import APIClient

from organisations.models import Organisation, OrganisationKind
from organisations.services import issue_token


KEPT_BOUNDARY_TABLES = ("network_departement", "network_commune", "network_formercommune", "network_boundaryrelease")


@pytest.fixture(autouse=True)
def _reference_boundaries(django_db_setup, django_db_blocker):
    """Keep the département/commune boundaries (loaded by a data migration) present.

    A transactional test (transaction=True, live_server, celery_worker) ends with a flush that
    empties every table, data-migration rows included. This fixture runs before the test's own
    database fixture (autouse first), so a restore here is committed and serves every later test.
    All of France is 35 000 communes: they are copied once into a schema Django does not flush
    (`test_keep`) and copied back from there (a second), not reloaded from the files.
    """
    from django.db import connection

    from network.models import Departement
    from network.services.boundaries import load_boundaries

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('test_keep.network_commune') IS NOT NULL")
        kept = cursor.fetchone()[0]
        if Departement.objects.exists():
            if not kept:
                cursor.execute("CREATE SCHEMA IF NOT EXISTS test_keep")
                for table in KEPT_BOUNDARY_TABLES:
                    cursor.execute(f"CREATE TABLE test_keep.{table} AS SELECT * FROM {table}")
        elif kept:
            for table in KEPT_BOUNDARY_TABLES:
                cursor.execute(f"INSERT INTO {table} SELECT * FROM test_keep.{table}")
        else:
            load_boundaries(cursor, force=True)


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
