#!/usr/bin/env bash
# Backups of Vigie Fibre's state: PostgreSQL (pg_dump custom format) and the Redis AOF.
#
#   scripts/backup.sh backup            -> var/backups/<UTC timestamp>/ (or $VIGIE_BACKUP_DIR/<ts>/)
#       database.dump      pg_dump -Fc of the database (`pg_restore --list` reads it)
#       redis/             copy of Redis's append-only files (appendonlydir/ or appendonly.aof)
#       manifest.json      created_at, database, and for every file its size and sha256
#   scripts/backup.sh restore DIR       checks the manifest's checksums, then pg_restore --clean into
#                                       the database and, for the embedded Redis, puts the AOF back
#                                       (Redis is stopped and started again). Refused while `make run`
#                                       serves (supervisord pid file in $VIGIE_RUN_DIR, var/run).
#
# The database is DATABASE_URL when set, else the embedded one (var/services.env, VIGIE_DB_NAME).
# Redis files are read from VIGIE_REDIS_DIR (var/redis); with REDIS_URL set, restore leaves Redis alone.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var"
[ -f "$VAR/services.env" ] && . "$VAR/services.env"
RUN_DIR=${VIGIE_RUN_DIR:-$VAR/run}
REDIS_DIR=${VIGIE_REDIS_DIR:-$VAR/redis}
die() { echo "backup: $*" >&2; exit 1; }

pg_bin() {
  local v; v=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$v" ] || die "no PostgreSQL client under /usr/lib/postgresql"
  echo "/usr/lib/postgresql/$v/bin"
}

db_url() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "$DATABASE_URL" | sed -E 's#^(postgis|postgres|pgsql)://#postgresql://#'
  else
    [ -n "${VIGIE_PG_PORT:-}" ] || die "no DATABASE_URL and no embedded PostgreSQL (run 'make services')"
    echo "postgresql://vigie@127.0.0.1:$VIGIE_PG_PORT/${VIGIE_DB_NAME:-vigie}"
  fi
}

manifest() {  # manifest DIR DB_URL -> writes DIR/manifest.json
  "$ROOT/.venv/bin/python" - "$1" "$2" <<'PY'
import hashlib, json, sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit
root, url = Path(sys.argv[1]), urlsplit(sys.argv[2])
files = []
for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    files.append({"path": str(path.relative_to(root)), "size": path.stat().st_size, "sha256": digest.hexdigest()})
doc = {"created_at": datetime.now(timezone.utc).isoformat(), "format": "vigie-backup/1",
       "database": {"host": url.hostname, "port": url.port, "name": url.path.lstrip("/")}, "files": files}
(root / "manifest.json").write_text(json.dumps(doc, indent=2) + "\n")
PY
}

verify() {  # verify DIR: every file of the manifest has its size and checksum
  "$ROOT/.venv/bin/python" - "$1" <<'PY'
import hashlib, json, sys
from pathlib import Path
root = Path(sys.argv[1])
doc = json.loads((root / "manifest.json").read_text())
for entry in doc["files"]:
    path = root / entry["path"]
    if not path.is_file() or path.stat().st_size != entry["size"] or \
            hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
        sys.exit(f"backup: {entry['path']} differs from the manifest: refusing to restore")
PY
}

backup() {
  local url stamp dir
  url=$(db_url)
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  dir="${VIGIE_BACKUP_DIR:-$VAR/backups}/$stamp"
  [ ! -e "$dir" ] || die "$dir exists already"
  mkdir -p "$dir"
  "$(pg_bin)/pg_dump" -Fc --no-owner -f "$dir/database.dump" "$url" || { rm -rf "$dir"; die "pg_dump failed"; }
  if [ -d "$REDIS_DIR" ]; then
    mkdir -p "$dir/redis"
    [ -d "$REDIS_DIR/appendonlydir" ] && cp -a "$REDIS_DIR/appendonlydir" "$dir/redis/"
    [ -f "$REDIS_DIR/appendonly.aof" ] && cp -a "$REDIS_DIR/appendonly.aof" "$dir/redis/"
  fi
  manifest "$dir" "$url"
  echo "backup: $dir"
}

restore() {
  local dir=${1:-} url
  [ -n "$dir" ] || die "usage: make restore BACKUP=var/backups/<timestamp>"
  [ -f "$dir/manifest.json" ] && [ -f "$dir/database.dump" ] || die "$dir is not a backup (no manifest.json / database.dump)"
  if [ -f "$RUN_DIR/supervisord.pid" ] && kill -0 "$(cat "$RUN_DIR/supervisord.pid")" 2>/dev/null; then
    die "'make run' is serving (supervisord pid $(cat "$RUN_DIR/supervisord.pid")): stop it (Ctrl-C) before restoring"
  fi
  verify "$dir"
  url=$(db_url)
  "$(pg_bin)/pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error -d "$url" "$dir/database.dump" \
    || die "pg_restore failed (the database is unchanged: single transaction)"
  if [ -z "${REDIS_URL:-}" ] && [ -d "$dir/redis" ] && [ -n "$(ls -A "$dir/redis")" ]; then
    redis-cli -p "$VIGIE_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$REDIS_DIR/appendonlydir" "$REDIS_DIR/appendonly.aof"
    cp -a "$dir/redis/." "$REDIS_DIR/"
    bash "$ROOT/scripts/services.sh" start >/dev/null
  fi
  echo "backup: restored $dir"
}

case "${1:-}" in
  backup) backup ;;
  restore) restore "${2:-}" ;;
  *) die "usage: $0 backup | restore DIR" ;;
esac
