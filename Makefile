# Vigie Fibre: two commands on a fresh Debian machine.
#   make run    installs what is missing, starts PostgreSQL+PostGIS and Redis under var/ (unless
#               DATABASE_URL / REDIS_URL are set), migrates, loads the demo on first run, then runs
#               web + Celery worker + beat under honcho. Ctrl-C stops the three.
#   make test   same set-up without demo data, then pytest against the real PostGIS and Redis.
#   make stop   stops the embedded PostgreSQL and Redis (data kept under var/).
SHELL := /bin/bash
PORT ?= 8000
BIND ?= 127.0.0.1
PY := .venv/bin/python
export PORT BIND

.PHONY: run test stop status setup sysdeps venv services migrate messages static demo bench requirements

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
	VIGIE_WEB_PORT=$(PORT) exec .venv/bin/honcho start -f Procfile

test: venv services messages migrate
	$(PY) -m pytest $(PYTEST_ARGS)

stop:
	@bash scripts/services.sh stop

status:
	@bash scripts/services.sh status

bench: setup
	$(PY) -m benchmarks $(BENCH_ARGS)

requirements: venv
	.venv/bin/pip install -q -r requirements.in && (echo "# Pinned set: pip freeze of requirements.in (regenerate with 'make requirements')."; .venv/bin/pip freeze) > requirements.txt
