# Vigie Fibre: two commands on a fresh Debian machine.
#   make run    installs what is missing, starts PostgreSQL+PostGIS and Redis under var/ (unless
#               DATABASE_URL / REDIS_URL are set), migrates, loads the demo on first run, then runs
#               web + Celery worker + beat under supervisord (deploy/supervisord.conf): a crashed
#               process is restarted while the others keep serving; Ctrl-C stops the three.
#   make test   same set-up without demo data, then `make lint`, then pytest against the real PostGIS and Redis.
#   make lint   ruff (rules in pyproject.toml), import-linter layers (.importlinter), manage.py check --deploy
#               (production settings), makemigrations --check, the generated event catalogue of docs/webhooks.md.
#   make stop   stops the embedded PostgreSQL and Redis (data kept under var/).
#   make services                 starts the embedded PostgreSQL and Redis if they are not running.
#   make backup                   var/backups/<UTC timestamp>/ (pg_dump -Fc, Redis AOF, manifest.json).
#   make restore BACKUP=<dir>     restores one (refused while `make run` serves).
SHELL := /bin/bash
PORT ?= 8000
BIND ?= 127.0.0.1
PY := .venv/bin/python
export PORT BIND

.PHONY: run test lint stop status setup sysdeps venv services migrate messages static demo bench requirements backup restore

sysdeps:
	@bash scripts/sysdeps.sh

venv: sysdeps
	@bash scripts/venv.sh

services: sysdeps
	@bash scripts/services.sh start

messages: venv
	@$(PY) manage.py compilemessages -v0 --ignore=.venv

migrate: venv services
	@$(PY) manage.py migrate --noinput -v1
	@$(PY) manage.py load_boundaries

static: venv
	@$(PY) manage.py collectstatic --noinput -v0

setup: venv services messages migrate

demo: setup
	@$(PY) manage.py load_demo --if-empty

run: setup static demo
	@echo
	@echo "Vigie Fibre: http://$(BIND):$(PORT)/   (API http://$(BIND):$(PORT)/api/v1/, health http://$(BIND):$(PORT)/healthz)"
	@echo "Demo logins (password vigie-demo-2026): cellule (crisis cell), technicien (operator), maire (elected official), admin (superuser)"
	@echo "Ctrl-C stops web, worker and beat; 'make stop' then stops PostgreSQL and Redis."
	@echo
	VIGIE_WEB_PORT=$(PORT) exec bash scripts/run.sh

lint: venv services messages
	.venv/bin/ruff check --no-cache .
	.venv/bin/lint-imports --no-cache
	SECURE_PROXY=1 DEBUG=0 $(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py event_catalogue --check

test: venv services messages migrate lint
	$(PY) -m pytest $(PYTEST_ARGS)

stop:
	@bash scripts/services.sh stop

status:
	@bash scripts/services.sh status

backup: venv services
	@bash scripts/backup.sh backup

restore: venv services
	@bash scripts/backup.sh restore "$(BACKUP)"

bench: setup
	$(PY) -m benchmarks $(BENCH_ARGS)

requirements: venv
	.venv/bin/pip install -q -r requirements.in && (echo "# Pinned set: pip freeze of requirements.in (regenerate with 'make requirements')."; .venv/bin/pip freeze) > requirements.txt
