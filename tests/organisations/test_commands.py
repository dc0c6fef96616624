"""create_organisation, link_operator and create_api_token: what they do and what they refuse."""
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from organisations.models import ApiToken, Organisation

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_organisation(db):
    run("create_organisation", "quimper", "--kind", "commune", "--name", "Quimper", "--insee", "29232")
    org = Organisation.objects.get(slug="quimper")
    assert (org.kind, org.name, org.insee_code) == ("commune", "Quimper", "29232")


@pytest.mark.parametrize(
    "args, message",
    [
        (["bad slug!", "--kind", "other", "--name", "X"], "slug"),
        (["x", "--kind", "commune", "--name", "X", "--insee", "123"], "insee_code"),
        (["x", "--kind", "syndicate", "--name", "X", "--insee", "29232"], "insee"),
        (["x", "--kind", "operator", "--name", "X", "--siren", "123456789"], "siren"),
    ],
)
def test_create_organisation_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_organisation", *args)
    assert not Organisation.objects.exists()


def test_create_organisation_refuses_duplicate_slug(make_org):
    make_org("syn-a")
    with pytest.raises(CommandError, match="slug"):
        run("create_organisation", "syn-a", "--kind", "syndicate", "--name", "Again")


def test_valid_siren_accepted(db):
    run("create_organisation", "oi", "--kind", "operator", "--name", "OI", "--siren", "732829320")
    assert Organisation.objects.get(slug="oi").siren == "732829320"


def test_link_operator_checks_kinds(make_org):
    syn, oi = make_org("syn-a"), make_org("oi-a", kind="operator")
    run("link_operator", "oi-a", "syn-a")
    assert list(oi.syndicates.all()) == [syn]
    with pytest.raises(CommandError, match="not an operator"):
        run("link_operator", "syn-a", "syn-a")
    with pytest.raises(CommandError, match="unknown organisation nope"):
        run("link_operator", "nope", "syn-a")


def test_create_api_token_prints_key_last_and_creates_user(make_org, client):
    make_org("syn-a")
    key = run("create_api_token", "eve", "--org", "syn-a", "--role", "crisis_manager").strip().splitlines()[-1]
    assert key.startswith("vf_")
    token = ApiToken.objects.get(user__username="eve")
    assert token.role == "crisis_manager"
    assert client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_create_api_token_refuses_unknown_org(db):
    with pytest.raises(CommandError, match="unknown organisation"):
        run("create_api_token", "eve", "--org", "nope", "--role", "viewer")


def _cli(*args):
    """The real command line, against the test database (committed data: transactional test)."""
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test",
               DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.django_db(transaction=True)
def test_cli_exit_codes_and_last_line():
    ok = _cli("create_organisation", "syn-cli", "--kind", "syndicate", "--name", "Syndicat CLI")
    assert ok.returncode == 0, ok.stderr
    issued = _cli("create_api_token", "frank", "--org", "syn-cli", "--role", "admin")
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout.strip().splitlines()[-1].startswith("vf_")
    refused = _cli("create_api_token", "frank", "--org", "syn-cli", "--role", "boss")
    assert refused.returncode != 0
    assert "invalid choice: 'boss'" in refused.stderr
    refused = _cli("create_organisation", "syn-cli", "--kind", "syndicate", "--name", "Again")
    assert refused.returncode != 0
    assert "slug" in refused.stderr
