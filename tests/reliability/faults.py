"""Faults a test can inject without touching the suite's own services: a Redis server of the test's
own (killed with SIGKILL and started again on the same port and data directory), and a TCP proxy in
front of the suite's PostgreSQL (stopping it drops every connection and refuses new ones, as a
PostgreSQL restart does for its clients; starting it again is PostgreSQL being back)."""
import http.server
import os
import signal
import socket
import subprocess
import threading
import time

from .supervised import free_port


class OwnRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.dir = directory
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
                                      "--appendonly", "yes", "--save", ""],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("own Redis did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


class TcpProxy:
    """127.0.0.1:<port> → target; `stop()` closes the listener and every open connection."""

    def __init__(self, target_host, target_port):
        self.port = free_port()
        self.target = (target_host, int(target_port))
        self.sockets = set()
        self.lock = threading.Lock()
        self.listener = None

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in its thread (Linux)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets.clear()


class Receiver:
    """A webhook receiver on 127.0.0.1 recording each request's webhook-id; the first request
    can be held (`hold_first` seconds) so a worker can be killed in the middle of a delivery."""

    def __init__(self, hold_first=0.0):
        self.ids = []
        self.hold_first = hold_first
        self.first_seen = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.ids.append(self.headers.get("webhook-id"))
                if len(receiver.ids) == 1 and receiver.hold_first:
                    receiver.first_seen.set()
                    time.sleep(receiver.hold_first)
                try:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def kill(pid):
    os.kill(pid, signal.SIGKILL)
