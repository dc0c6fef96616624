#!/usr/bin/env bash
# Create or refresh .venv/ from requirements.txt: rebuilt when requirements.txt or the Python
# interpreter changed since the last install (a hash is kept in .venv/.requirements.sha).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
want="$(sha256sum requirements.txt | cut -d' ' -f1) $($PYTHON -c 'import sys; print(sys.version)' | head -n1 | tr ' ' '_')"
have=$(cat .venv/.requirements.sha 2>/dev/null || true)
if [ -x .venv/bin/python ] && [ "$want" = "$have" ]; then
  exit 0
fi
if [ ! -x .venv/bin/python ]; then
  echo "venv: creating .venv/"
  $PYTHON -m venv .venv
fi
echo "venv: installing requirements.txt"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
echo "$want" > .venv/.requirements.sha
