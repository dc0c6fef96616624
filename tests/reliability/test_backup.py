"""`make backup` / `make restore` (scripts/backup.sh) against a throwaway database of the embedded
cluster: never the suite's own test database, never the service's."""
import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def pg_bin(name):
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(x) for x in v.split(".")])
    return f"/usr/lib/postgresql/{versions[-1]}/bin/{name}"


@pytest.fixture
def scratch_db():
    d = connection.settings_dict
    name = f"vigie_backup_test_{os.getpid()}"
    server = dict(host=d["HOST"] or "127.0.0.1", port=d["PORT"], user=d["USER"])
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgis://{server['user']}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname=name, autocommit=True, **server) as db:
        yield url, db
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(args, env):
    return subprocess.run(["bash", str(ROOT / "scripts/backup.sh"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_backup_change_restore_gives_back_the_first_state(scratch_db, tmp_path):
    url, db = scratch_db
    db.execute("CREATE TABLE ticket (id int PRIMARY KEY, status text)")
    db.execute("INSERT INTO ticket VALUES (1, 'acknowledged'), (2, 'inProgress')")
    redis_dir = tmp_path / "redis"
    (redis_dir / "appendonlydir").mkdir(parents=True)
    (redis_dir / "appendonlydir" / "appendonly.aof.1.incr.aof").write_bytes(b"*1\r\n$4\r\nPING\r\n")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:1/0", "VIGIE_BACKUP_DIR": str(tmp_path / "b"),
           "VIGIE_REDIS_DIR": str(redis_dir), "VIGIE_RUN_DIR": str(tmp_path / "run")}

    done = run(["backup"], env)
    assert done.returncode == 0, done.stderr
    [backup] = list((tmp_path / "b").iterdir())
    assert len(backup.name) == len("20261201T210000Z") and backup.name.endswith("Z")
    manifest = json.loads((backup / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    assert set(files) == {"database.dump", "redis/appendonlydir/appendonly.aof.1.incr.aof"}
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in files.values())
    listing = subprocess.run([pg_bin("pg_restore"), "--list", str(backup / "database.dump")], capture_output=True, text=True)
    assert listing.returncode == 0 and "TABLE public ticket" in listing.stdout

    db.execute("UPDATE ticket SET status = 'resolved'")
    db.execute("INSERT INTO ticket VALUES (3, 'acknowledged')")

    # refused while `make run` serves (a live supervisord pid file)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "supervisord.pid").write_text(str(os.getpid()))
    refused = run(["restore", str(backup)], env)
    assert refused.returncode != 0 and "make run" in refused.stderr
    (tmp_path / "run" / "supervisord.pid").unlink()

    assert db.execute("SELECT count(*) FROM ticket").fetchone()[0] == 3
    restored = run(["restore", str(backup)], env)
    assert restored.returncode == 0, restored.stderr
    rows = db.execute("SELECT id, status FROM ticket ORDER BY id").fetchall()
    assert rows == [(1, "acknowledged"), (2, "inProgress")]


def test_restore_refuses_a_backup_that_differs_from_its_manifest(scratch_db, tmp_path):
    url, db = scratch_db
    db.execute("CREATE TABLE t (v int)")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:1/0", "VIGIE_BACKUP_DIR": str(tmp_path),
           "VIGIE_REDIS_DIR": str(tmp_path / "none"), "VIGIE_RUN_DIR": str(tmp_path / "run")}
    assert run(["backup"], env).returncode == 0
    [backup] = [p for p in tmp_path.iterdir() if p.is_dir() and p.name.endswith("Z")]
    with open(backup / "database.dump", "ab") as f:
        f.write(b"x")
    refused = run(["restore", str(backup)], env)
    assert refused.returncode != 0 and "differs from the manifest" in refused.stderr
