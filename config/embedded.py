"""Where the embedded services started by scripts/services.sh listen.

`make run` / `make test` start PostgreSQL+PostGIS and Redis under var/ unless DATABASE_URL /
REDIS_URL are set, and write the ports they chose to var/services.env. Reading that file here
lets `.venv/bin/python manage.py ...` reach them from the checkout with no environment set.
"""
from pathlib import Path
import secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
SERVICES_ENV = VAR_DIR / "services.env"

DEFAULT_PG_PORT = 54329
DEFAULT_REDIS_PORT = 63799


def read_services_env(path: Path = SERVICES_ENV) -> dict[str, str]:
    """Parse the KEY=VALUE lines of var/services.env (missing file: empty dict)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text()
    except FileNotFoundError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def embedded_database_url() -> str:
    env = read_services_env()
    port = env.get("VIGIE_PG_PORT") or DEFAULT_PG_PORT
    return f"postgis://vigie@127.0.0.1:{port}/vigie"


def embedded_redis_url() -> str:
    env = read_services_env()
    port = env.get("VIGIE_REDIS_PORT") or DEFAULT_REDIS_PORT
    return f"redis://127.0.0.1:{port}/0"


def secret_key() -> str:
    """A generated secret kept in var/secret_key, so sessions survive restarts in development."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key
