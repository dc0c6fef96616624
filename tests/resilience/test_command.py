"""manage.py impact: the figures, and a refusal naming each unknown code."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from resilience.services.graph import graph_cache
from tests.builders import build_small_network


@pytest.fixture
def net(db):
    graph_cache.clear()
    return build_small_network()


def run(*args):
    out = StringIO()
    call_command("impact", *args, stdout=out)
    return out.getvalue()


def test_prints_the_figures(net):
    out = run("--network", "net-a", "--segments", "CM-D1a")
    assert "premises cut: 6" in out and "households: 12" in out and "businesses: 2" in out
    assert "critical sites: 1" in out and "AD-2-1 hospital (29232)" in out
    assert "CB-D1" in out and "Quimper" in out


def test_json_output_matches(net):
    body = json.loads(run("--network", "net-a", "--supports", "PT-A1", "--sites", "ST-SRO2", "--json"))
    assert body["figures"] == {"premises": 9, "households": 18, "businesses": 3, "critical_sites": 2}


def test_ring_cut(net):
    assert "premises cut: 0" in run("--network", "net-a", "--segments", "CM-T1")


def test_unknown_codes_are_named(net):
    with pytest.raises(CommandError) as err:
        run("--network", "net-a", "--segments", "CM-T1,CM-X", "--sites", "ST-Y")
    assert "segments.1: unknown segment code 'CM-X'" in str(err.value)
    assert "sites.0: unknown site code 'ST-Y'" in str(err.value)



def test_exit_code_of_the_real_command(transactional_db):
    """The real process: exit 0 with the figures, non-zero naming the unknown code on stderr.
    Transactional: the subprocess must see the network."""
    import subprocess
    import sys

    from django.conf import settings

    build_small_network()
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgis://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    ok = subprocess.run([sys.executable, "manage.py", "impact", "--network", "net-a", "--segments", "CM-D3b"],
                        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR)
    assert ok.returncode == 0, ok.stderr
    assert "premises cut: 3" in ok.stdout
    bad = subprocess.run([sys.executable, "manage.py", "impact", "--network", "net-a", "--segments", "NOPE"],
                         capture_output=True, text=True, env=env, cwd=settings.BASE_DIR)
    assert bad.returncode != 0 and "unknown segment code 'NOPE'" in bad.stderr
