"""A real webhook receiver on 127.0.0.1 for the tests: verifies every request with the
``standardwebhooks`` library, records it, and answers as the test scripts it (a status, a stall
longer than the sender's timeout, a redirect); it can go down and come back on the same port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# (webhook-id, how many times this id came before) -> a status to answer, ("stall", seconds) to
# answer nothing, ("slow", seconds) to answer 200 after a while, ("redirect", url) for a 302
Script = Callable[[str, int], Any]


@dataclass
class Request:
    webhook_id: str
    path: str
    verified_by: list[int]  # indexes of the secrets that verify it
    payload: Any
    answered: int | None  # the status sent (None: stalled past the sender's timeout, or no answer)
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _id, _n: 200)
        self.secrets: list[str] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.handle(self, self.path, body, headers)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Go down: connections are refused until ``start``."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def handle(
        self, handler: BaseHTTPRequestHandler, path: str, body: bytes, headers: dict[str, str]
    ) -> None:
        webhook_id = headers.get("webhook-id", "")
        verified = []
        for n, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(n)
            except WebhookVerificationError:
                pass
        with self.lock:
            seen = sum(1 for r in self.requests if r.webhook_id == webhook_id)
            action = self.script(webhook_id, seen) if path == "/hook" else 200
            request = Request(webhook_id, path, verified, json.loads(body or b"null"), None, headers)
            self.requests.append(request)
        if isinstance(action, tuple) and action[0] == "stall":
            time.sleep(action[1])
            return  # the sender gave up: nothing is answered
        if isinstance(action, tuple) and action[0] == "slow":
            time.sleep(action[1])
            action = 200
        if isinstance(action, tuple) and action[0] == "redirect":
            handler.send_response(302)
            handler.send_header("Location", action[1])
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            request.answered = 302
            return
        request.answered = action
        handler.send_response(action)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    def accepted(self) -> dict[str, int]:
        """webhook-id -> how many of its requests were answered 2xx."""
        with self.lock:
            counts: dict[str, int] = {}
            for r in self.requests:
                if r.answered is not None and 200 <= r.answered < 300:
                    counts[r.webhook_id] = counts.get(r.webhook_id, 0) + 1
            return counts

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)


def wait_for(
    condition: Callable[[], bool], *, timeout: float, step: Callable[[], None] | None = None
) -> None:
    """Poll ``condition`` (running ``step`` between polls) until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if step is not None:
            step()
        time.sleep(0.05)
