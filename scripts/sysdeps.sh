#!/usr/bin/env bash
# Install the Debian packages Vigie Fibre needs, and only those that are missing.
# Called by `make run` / `make test`; safe to run again (it does nothing when all is there).
set -euo pipefail

# PostgreSQL server + the PostGIS build that matches it, Redis, GDAL/GEOS/PROJ (GeoDjango, pyogrio),
# gettext (compilemessages), the libraries WeasyPrint needs for the PDF summaries, poppler-utils
# (pdftotext, PDF tests) and Chromium (browser tests drive the Debian build, no browser download).
pg_major() {
  # The newest PostgreSQL server already installed, else the one Debian ships by default.
  local v
  v=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$v" ]; then
    v=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9]\+\)$/\1/p' | head -n1)
  fi
  echo "${v:-15}"
}

need=()
check() { # check PACKAGE: queue it when dpkg does not know it as installed
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || need+=("$1")
}

PG=$(pg_major)
for p in "postgresql-$PG" "postgresql-$PG-postgis-3" postgresql-contrib redis-server redis-tools \
         gdal-bin libgdal-dev libgeos-c1v5 libproj-dev gettext \
         libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium; do
  check "$p"
done

# Debian's python3 needs python3-venv for `python3 -m venv` (a pyenv or upstream build does not).
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then check python3-venv; check python3-dev; fi
command -v python3 >/dev/null || check python3
command -v gcc >/dev/null || check build-essential

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "sysdeps: installing missing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "sysdeps: not root and no sudo; install these packages: ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when the first attempt cannot find a package.
if ! $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi
