"""Test settings: the same real PostGIS and Redis, with Redis databases of their own.

The test broker uses another Redis database than the running service (`make run`), so a worker
started by `make run` never picks up a test's tasks, and the tests never see the service's.
"""
import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from .settings import *  # noqa: F401,F403
from .settings import REDIS_URL, STATIC_ROOT


def _with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


REDIS_URL = _with_redis_db(REDIS_URL, 9)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _with_redis_db(REDIS_URL, 10),
        "KEY_PREFIX": "vigie-test",
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic is not run for tests
# Tests call the API without waiting for a worker to build the service graph; the 503 path is
# tested with the setting off (tests/resilience/test_graph_store.py).
SERVICE_GRAPH_BUILD_IN_REQUEST = True
# One per test session, shared with the processes the tests start (workers, commands), which inherit
# the environment: they must not make their own under a test's TMPDIR.
SERVICE_GRAPH_DIR = os.environ.get("VIGIE_TEST_GRAPH_DIR") or tempfile.mkdtemp(prefix="vigie-test-graphs-")
os.environ["VIGIE_TEST_GRAPH_DIR"] = SERVICE_GRAPH_DIR
# The worker's warmer does not build every test network's graph behind the tests' back (it held a
# connection to the test database at teardown); store_missing() is tested directly.
SERVICE_GRAPH_STORE_IN_WARMER = False
# No graph-warmer thread in the pytest process: the in-thread Celery worker of the `celery_worker`
# fixture fires worker_process_init, and each would start a daemon that keeps building and storing
# graphs against the test database between and after tests (a session left open at teardown,
# "Database access not allowed" logged from it). Tests call the warmer's functions directly; the
# process tree of tests/reliability/supervised.py runs config.settings, warmer included.
EXPOSURE_GRAPH_WARM_SECONDS = 0
