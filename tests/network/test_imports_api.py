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
    export_network(small.network, tmp_path / "a", version="2")
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
    export_network(small.network, tmp_path / "a", version="2")
    break_three_rows(tmp_path / "a")
    client, _ = token_client(small.network.operator, "operator_agent")
    response = client.post("/api/v1/imports/", {"file": zipped(tmp_path / "a"), "network": "net-a"}, format="multipart")
    assert response.status_code == 202, response.content
    run = wait_finished(response.json()["id"])
    # non-blocking faults: imported, with its report kept on the run
    assert run.state == "succeeded" and run.errors == [] and run.summary["report"]["major"] == 5
    report = client.get(f"/api/v1/imports/{run.pk}/report/").json()
    assert report["count"] == 5 and report["results"][0] == {
        "rule": "code.unknown_required", "severity": "major", "reference": "ctrl_liste_valeur",
        "table": "t_cheminement.shp", "row": 3, "code": "CM-D2", "field": "cm_typ_imp",
        "message": "code inconnu 'X' (liste l_implantation_type)", "geometry": report["results"][0]["geometry"]}
    assert report["results"][0]["geometry"]["type"] == "LineString"
    geojson = client.get(f"/api/v1/imports/{run.pk}/report/", HTTP_ACCEPT="application/geo+json")
    assert geojson["Content-Type"].startswith("application/geo+json")
    assert len(geojson.json()["features"]) == 5
    as_csv = client.get(f"/api/v1/imports/{run.pk}/report/?format=csv&severity=major&rule=geom.invalid")
    assert as_csv["Content-Type"].startswith("text/csv")
    lines = as_csv.content.decode().splitlines()
    assert lines[0].startswith("rule;severity;reference;table;row;code;field;message") and len(lines) == 2
    assert lines[1].startswith("geom.invalid;major;ctrl_topo;t_cheminement.shp;7;CM-T2;geom;")
    assert Network.objects.get(slug="net-a").version == 2
    # a blocking fault refuses, its report kept too
    duplicated = tmp_path / "dup"
    export_network(small.network, duplicated, version="2")
    import csv as _csv
    with open(duplicated / "t_ptech.csv", encoding="utf-8", newline="") as f:
        rows = list(_csv.reader(f, delimiter=";"))
    with open(duplicated / "t_ptech.csv", "w", encoding="utf-8", newline="") as f:
        _csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows + [rows[1][:-1] + ["autre"]])
    response = client.post("/api/v1/imports/", {"file": zipped(duplicated), "network": "net-a"}, format="multipart")
    run = wait_finished(response.json()["id"])
    assert run.state == "failed" and run.errors == ["t_ptech.csv:7: pt_code: code en double PT-A1 (déjà ligne 1)"]
    assert client.get(f"/api/v1/imports/{run.pk}/report/?severity=blocking").json()["count"] == 1
    assert Network.objects.get(slug="net-a").version == 2


def test_who_may_import_and_who_sees_imports(db, make_org, token_client, tmp_path):
    small = build_small_network()
    export_network(small.network, tmp_path / "a", version="2")
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
