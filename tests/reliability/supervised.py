"""Start the real `make run` process tree (scripts/run.sh → supervisord → gunicorn, worker, beat) on
spare ports for a test, against the test database and a Redis database of its own.

Its Redis database (13) is not the test broker's (9) nor the service's (0): the supervised worker
never takes a task of the suite's worker, and the suite's worker never takes one of its.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 13


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    d = connection.settings_dict
    return f"postgis://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT']}/{d['NAME']}"


def redis_url(db: int = REDIS_DB) -> str:
    base = settings.REDIS_URL.rsplit("/", 1)[0]
    return f"{base}/{db}"


def get(url: str, timeout: float = 5.0) -> tuple[int, dict | str]:
    """(status, JSON body or text); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read().decode(), e.code
    except (OSError, urllib.error.URLError):
        return 0, ""
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


class Supervised:
    """The process tree of `make run`, started by scripts/run.sh exactly as make does."""

    def __init__(self, run_dir: Path, extra_env: dict | None = None):
        self.port = free_port()
        self.run_dir = run_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url(), "REDIS_URL": redis_url(),
            "PORT": str(self.port), "VIGIE_WEB_PORT": str(self.port), "BIND": "127.0.0.1", "WEB_WORKERS": "2",
            "WORKER_CONCURRENCY": "1", "VIGIE_RUN_DIR": str(run_dir), "HEALTH_CELERY_TIMEOUT": "3",
            "SECRET_KEY": "supervision-test",
        })
        env.update(extra_env or {})
        self.env = env
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.run_dir / "run.out", "wb")
        self.proc = subprocess.Popen(["bash", str(ROOT / "scripts/run.sh")], cwd=ROOT, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_healthy(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            status, body = get(self.base + "/healthz")
            if status == 200:
                return body
            time.sleep(1)
        raise AssertionError(f"not healthy within {timeout} s: {body}\n{self.output()}")

    def children(self) -> dict[str, int]:
        """program name -> pid, from the direct children of supervisord."""
        out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        found = {}
        for line in out.splitlines():
            pid, _, args = line.strip().partition(" ")
            if "gunicorn" in args:
                found["web"] = int(pid)
            elif "celery" in args and " worker " in args:
                found["worker"] = int(pid)
            elif "celery" in args and " beat " in args:
                found["beat"] = int(pid)
        return found

    def output(self) -> str:
        try:
            return (self.run_dir / "run.out").read_text(errors="replace")[-9000:]
        except OSError:
            return ""

    def stop(self, timeout: float = 90) -> int:
        """Ctrl-C, as a person at the terminal would; returns supervisord's exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            for pid in self.children().values():
                os.kill(pid, signal.SIGKILL)
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            raise
        finally:
            self.log.close()
