"""A webhook receiver for tests: an HTTP server on 127.0.0.1 that records requests and fails on demand.

    receiver = Receiver(); receiver.start()     # or the `receiver` fixture
    receiver.url                                # http://127.0.0.1:PORT/hook
    receiver.fail(500, 503)                     # the next two requests get 500, then 503
    receiver.fail("hang")                       # the next request gets no answer until the client gives up
    receiver.fail("close")                      # the next connection is closed without an answer
    ... deliver ...
    receiver.requests                           # [Recorded(method, path, headers, body, status)]
    receiver.stop()

Answers queue in order, each used once; with none queued the answer is 200
``{"ok": true}``. Everything shared is behind one lock.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None  # what was answered; None: no answer

    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self, path: str = "/hook", *, tls=None):
        """``tls``: an ``ssl.SSLContext`` to serve HTTPS with (its certificate, its key)."""
        self.path = path
        self.tls = tls
        self._lock = threading.Lock()
        self._faults: collections.deque = collections.deque()
        self._requests: list[Recorded] = []
        self._server: ThreadingHTTPServer | None = None
        self._release = threading.Event()  # lets a "hang" end when the server stops

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}{self.path}"

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def fail(self, *answers) -> None:
        """Queue answers: an HTTP status, "hang" (no answer) or "close" (hang up)."""
        with self._lock:
            self._faults.extend(answers)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return self.requests
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} request(s) arrived, {count} expected")

    def _next(self):
        with self._lock:
            return self._faults.popleft() if self._faults else 200

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self._requests.append(recorded)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = receiver._next()
                headers = {name: value for name, value in self.headers.items()}
                if answer == "hang":
                    receiver._record(Recorded("POST", self.path, headers, body, None))
                    receiver._release.wait(30)
                    return
                if answer == "close":
                    receiver._record(Recorded("POST", self.path, headers, body, None))
                    self.close_connection = True
                    self.connection.close()
                    return
                receiver._record(Recorded("POST", self.path, headers, body, int(answer)))
                payload = json.dumps({"ok": 200 <= int(answer) < 300}).encode()
                self.send_response(int(answer))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
