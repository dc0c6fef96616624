"""POST /api/v1/imports/: the upload is stored, a real Celery worker imports it, progress and the
fault report land on the ImportRun, scoped to the caller's organisation."""
import io
import time
import zipfile

import pytest

from network.models import ImportRun, Network, Premises
from network.services.gracethd import export_network
from organisations.models import OrganisationKind
from tests.builders import build_small_network

from .test_gracethd import break_three_rows


def zipped(directory) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for p in sorted(directory.iterdir()):
            zf.write(p, p.name)
    buffer.seek(0)
    buffer.name = "livrable.zip"
    return buffer


def wait_finished(run_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.state in (ImportRun.State.SUCCEEDED, ImportRun.State.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"import {run_id} still {run.state}")


@pytest.mark.integration
def test_upload_is_imported_by_the_worker_with_progress(transactional_db, celery_worker, token_client, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a")
    client, _ = token_client(small.network.owner, "crisis_manager")
    response = client.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-new",
                                                "owner": "syn-a", "operator": "oi-a"}, format="multipart")
    assert response.status_code == 202, response.content
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert run.source.storage.exists(run.source.name)  # stored before processing
    run = wait_finished(run.pk)
    assert run.state == "succeeded", run.errors
    assert (run.percent, run.rows_done, run.rows_total) == (100, run.rows_total, run.rows_total) and run.rows_total > 90
    assert run.summary["counts"]["premises"]["created"] == 9
    network = Network.objects.get(slug="net-new")
    assert run.network == network and Premises.objects.filter(network=network).count() == 9
    body = client.get(f"/api/v1/imports/{run.pk}/").json()
    assert body["state"] == "succeeded" and body["percent"] == 100 and body["network"] == "net-new"


@pytest.mark.integration
def test_broken_upload_fails_with_its_fault_report(transactional_db, celery_worker, token_client, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a")
    break_three_rows(tmp_path / "a")
    client, _ = token_client(small.network.operator, "operator_agent")
    response = client.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-a"}, format="multipart")
    assert response.status_code == 202, response.content
    run = wait_finished(response.json()["id"])
    assert run.state == "failed" and len(run.errors) == 3
    assert run.errors[0] == "t_cheminement.shp:3: cm_typ_imp: code inconnu 'X' (liste l_implantation_type)"
    assert client.get(f"/api/v1/imports/{run.pk}/").json()["errors"] == run.errors
    assert Network.objects.get(slug="net-a").version == 1


def test_who_may_import_and_who_sees_imports(db, make_org, token_client, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a")
    other = make_org("syn-b")
    viewer, _ = token_client(small.network.owner, "viewer")
    stranger, _ = token_client(other, "crisis_manager")
    agent, _ = token_client(small.network.operator, "operator_agent")

    refused = viewer.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-a"}, format="multipart")
    assert refused.status_code == 403 and refused.json()["errors"][0]["path"] == ""
    refused = stranger.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-a"}, format="multipart")
    assert refused.status_code == 403
    refused = stranger.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-x", "owner": "syn-a"},
                            format="multipart")
    assert refused.status_code == 403  # creating a network for someone else's syndicate
    unlinked, _ = token_client(make_org("oi-b", kind=OrganisationKind.OPERATOR), "operator_agent")
    refused = unlinked.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-x", "owner": "syn-a",
                                                 "operator": "oi-b"}, format="multipart")
    assert refused.status_code == 403  # an operator not linked to that syndicate
    bad = agent.post("/api/v1/imports/", {"file": io.BytesIO(b"x"), "network": "net-a"}, format="multipart")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "file"
    assert not ImportRun.objects.exists()

    accepted = agent.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-a"}, format="multipart")
    assert accepted.status_code == 202
    mine = agent.get("/api/v1/imports/").json()
    assert [r["id"] for r in mine["results"]] == [accepted.json()["id"]]
    assert stranger.get("/api/v1/imports/").json()["results"] == []
    assert stranger.get(f"/api/v1/imports/{accepted.json()['id']}/").status_code == 404
    # the import belongs to the operator that uploaded it: the syndicate's viewer does not list it
    assert viewer.get("/api/v1/imports/").json()["results"] == []
    assert other.kind == OrganisationKind.SYNDICATE
