#!/usr/bin/env bash
# Embedded PostgreSQL+PostGIS and Redis under var/, for `make run` and `make test`.
#
#   scripts/services.sh start   initialise on first use, then start (no-op when already running)
#   scripts/services.sh stop    stop both (data kept under var/)
#   scripts/services.sh status
#
# DATABASE_URL set -> the embedded PostgreSQL is left alone; REDIS_URL set -> same for Redis.
# Ports are chosen once (first free port from 54329 / 63799) and kept in var/services.env, which
# config/settings.py reads, so `.venv/bin/python manage.py ...` finds the services from the checkout.
# PostgreSQL refuses to run as root: from a root shell the cluster belongs to the `postgres` user.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var"
ENVFILE="$VAR/services.env"
PGDATA="$VAR/pg/data"
PGRUN="$VAR/pg/run"
PGLOG="$VAR/pg/postgresql.log"
REDISDIR="$VAR/redis"
DBNAME=${VIGIE_DB_NAME:-vigie}
DBUSER=vigie

log() { echo "services: $*"; }
die() { echo "services: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_in_use "$p"; do p=$((p + 1)); done; echo "$p"; }

load_env() {
  mkdir -p "$VAR"
  if [ -f "$ENVFILE" ]; then
    # shellcheck disable=SC1090
    . "$ENVFILE"
  fi
}
save_env() {
  cat > "$ENVFILE" <<EOT
# Written by scripts/services.sh: where the embedded services listen. Read by config/settings.py.
VIGIE_PG_PORT=${VIGIE_PG_PORT:-}
VIGIE_PG_SOCKET_DIR=${VIGIE_PG_SOCKET_DIR:-}
VIGIE_REDIS_PORT=${VIGIE_REDIS_PORT:-}
EOT
}

pg_bin() {
  local v
  v=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$v" ] || die "no PostgreSQL server under /usr/lib/postgresql (run scripts/sysdeps.sh)"
  echo "/usr/lib/postgresql/$v/bin"
}

# Run a PostgreSQL server binary as the cluster's owner.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# From a root shell the `postgres` user must be able to walk down to var/pg.
ensure_pg_reachable() {
  [ "$(id -u)" -eq 0 ] || return 0
  id postgres >/dev/null 2>&1 || die "no 'postgres' user (is the PostgreSQL server package installed?)"
  local d="$VAR"
  while [ "$d" != "/" ]; do
    if ! runuser -u postgres -- test -x "$d"; then
      log "granting search (x) permission on $d so that the postgres user reaches var/pg"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
  chown -R postgres: "$VAR/pg"
}

pg_running() { [ -f "$PGDATA/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start_pg() {
  if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: embedded PostgreSQL not used"; return; fi
  local bin; bin=$(pg_bin)
  mkdir -p "$PGDATA" "$PGRUN"
  ensure_pg_reachable
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    VIGIE_PG_PORT=$(free_port 54329)
    # A Unix socket path is limited to 107 bytes: fall back to a short directory when var/ is deep.
    if [ ${#PGRUN} -gt 90 ]; then VIGIE_PG_SOCKET_DIR=$(mktemp -d /tmp/vigie-pg.XXXXXX); [ "$(id -u)" -ne 0 ] || chown postgres: "$VIGIE_PG_SOCKET_DIR"; else VIGIE_PG_SOCKET_DIR=$PGRUN; fi
    log "initialising PostgreSQL cluster in $PGDATA (port $VIGIE_PG_PORT)"
    as_pg "$bin/initdb" -D "$PGDATA" -U "$DBUSER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$VAR/pg/initdb.log" \
      || { cat "$VAR/pg/initdb.log" >&2; die "initdb failed"; }
    cat >> "$PGDATA/postgresql.conf" <<EOT

# --- Vigie Fibre embedded cluster ---
listen_addresses = '127.0.0.1'
port = $VIGIE_PG_PORT
unix_socket_directories = '$VIGIE_PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
fsync = on
EOT
    save_env
  fi
  if ! pg_running; then
    [ -n "${VIGIE_PG_PORT:-}" ] || die "var/services.env lost the PostgreSQL port; remove var/pg to re-initialise"
    if port_in_use "$VIGIE_PG_PORT"; then die "port $VIGIE_PG_PORT (embedded PostgreSQL) is taken by another program"; fi
    mkdir -p "$VIGIE_PG_SOCKET_DIR"; [ "$(id -u)" -ne 0 ] || chown postgres: "$VIGIE_PG_SOCKET_DIR"
    log "starting PostgreSQL on 127.0.0.1:$VIGIE_PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null || { tail -n 20 "$PGLOG" >&2; die "PostgreSQL did not start"; }
  fi
  local psql=(psql -h 127.0.0.1 -p "$VIGIE_PG_PORT" -U "$DBUSER" -v ON_ERROR_STOP=1 -qAt)
  if [ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DBNAME'")" != "1" ]; then
    log "creating database $DBNAME"
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DBNAME"
  fi
  "${psql[@]}" -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
}

redis_running() { [ -n "${VIGIE_REDIS_PORT:-}" ] && redis-cli -p "$VIGIE_REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then log "REDIS_URL is set: embedded Redis not used"; return; fi
  mkdir -p "$REDISDIR"
  if [ -z "${VIGIE_REDIS_PORT:-}" ]; then VIGIE_REDIS_PORT=$(free_port 63799); save_env; fi
  if redis_running; then return; fi
  if port_in_use "$VIGIE_REDIS_PORT"; then die "port $VIGIE_REDIS_PORT (embedded Redis) is taken by another program"; fi
  log "starting Redis on 127.0.0.1:$VIGIE_REDIS_PORT (AOF on, data in var/redis)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$VIGIE_REDIS_PORT" --dir "$REDISDIR" \
    --appendonly yes --appendfsync everysec --pidfile "$REDISDIR/redis.pid" --logfile "$REDISDIR/redis.log"
  for _ in $(seq 50); do redis_running && return; sleep 0.1; done
  tail -n 20 "$REDISDIR/redis.log" >&2; die "Redis did not start"
}

stop_all() {
  if [ -z "${DATABASE_URL:-}" ] && pg_running; then
    log "stopping PostgreSQL"; as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  if [ -z "${REDIS_URL:-}" ] && redis_running; then
    log "stopping Redis"; redis-cli -p "$VIGIE_REDIS_PORT" shutdown >/dev/null 2>&1 || true
  fi
}

status() {
  if pg_running; then echo "postgresql: running on 127.0.0.1:$VIGIE_PG_PORT"; else echo "postgresql: stopped"; fi
  if redis_running; then echo "redis: running on 127.0.0.1:$VIGIE_REDIS_PORT"; else echo "redis: stopped"; fi
}

load_env
case "${1:-}" in
  start) start_pg; start_redis ;;
  stop) stop_all ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
