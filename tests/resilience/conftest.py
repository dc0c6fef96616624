"""Fixtures of the resilience tests."""
import pytest


@pytest.fixture
def boundaries(transactional_db):
    """Départements and communes present in a transactional test: an earlier transactional test's
    flush empties the tables that migration network.0002 filled, so reload them when missing."""
    from django.db import connection

    from network.models import Commune
    from network.services.boundaries import load_boundaries

    if not Commune.objects.filter(insee="29232").exists():
        with connection.cursor() as cursor:
            load_boundaries(cursor)
