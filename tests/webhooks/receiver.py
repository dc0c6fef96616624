"""A real HTTP receiver for webhook tests: http.server in a thread on 127.0.0.1, port chosen by the OS.

It records every request (path, headers, raw body) and answers, per path, the status codes queued
with `respond(path, 500, 200, …)` in order, then 200.
"""
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self._plans: dict[str, deque] = defaultdict(deque)
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._cond:
                    plan = receiver._plans[self.path]
                    code = plan.popleft() if plan else 200
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    receiver._cond.notify_all()
                answer = b'{"ok": true}' if 200 <= code < 300 else b"receiver says no " * 300
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def respond(self, path: str, *codes: int) -> None:
        with self._cond:
            self._plans[path].extend(codes)

    def on(self, path: str) -> list[Received]:
        with self._cond:
            return [r for r in self.received if r.path == path]

    def wait_for(self, count: int, path: str = "/hook", timeout: float = 30) -> list[Received]:
        """Block until `count` requests reached `path` (fails the test after `timeout` seconds)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len([r for r in self.received if r.path == path]) >= count, timeout)
        got = self.on(path)
        assert ok, f"expected {count} request(s) on {path}, got {len(got)}"
        return got
