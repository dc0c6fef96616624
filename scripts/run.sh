#!/usr/bin/env bash
# Web + Celery worker + beat under supervisord, in the foreground (called by `make run`).
# supervisord restarts whichever of the three dies (kill -9, out-of-memory kill) while the others
# keep serving; Ctrl-C (SIGINT) or SIGTERM stops the three. Settings, all from the environment:
#   PORT (8000), BIND (127.0.0.1), WEB_WORKERS (3), WORKER_CONCURRENCY (2),
#   WORKER_MAX_MEMORY_KB (1048576: a Celery child past 1 GiB resident is replaced after its task),
#   VIGIE_RUN_DIR (var/run: supervisord's pid file and log, beat's schedule).
set -euo pipefail
cd "$(dirname "$0")/.."
export VIGIE_ROOT=$PWD
export VIGIE_WEB_PORT=${VIGIE_WEB_PORT:-${PORT:-8000}}
export BIND=${BIND:-127.0.0.1}
export WEB_WORKERS=${WEB_WORKERS:-3}
export WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-2}
export WORKER_MAX_MEMORY_KB=${WORKER_MAX_MEMORY_KB:-1048576}
export VIGIE_RUN_DIR=${VIGIE_RUN_DIR:-$VIGIE_ROOT/var/run}
mkdir -p "$VIGIE_RUN_DIR"
pidfile="$VIGIE_RUN_DIR/supervisord.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "run: already running (supervisord pid $(cat "$pidfile")); stop it with Ctrl-C in its terminal" >&2
  exit 1
fi
exec .venv/bin/supervisord -n -c deploy/supervisord.conf
