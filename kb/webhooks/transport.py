"""One HTTP POST to a receiver: to the address the SSRF guard checked, redirects never followed,
bounded by a timeout; the outcome, whatever happened, as data."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from kb.webhooks import ssrf

MAX_RESPONSE_BYTES = 64 * 1024  # read (and dropped) of a receiver's answer
USER_AGENT = "kb-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    code: int | None  # the HTTP status, None when no answer came
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool) -> Outcome:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def outcome(code: int | None, error: str | None = None) -> Outcome:
        return Outcome(code, round((time.monotonic() - started) * 1000), error and error[:500])

    try:
        parts = ssrf.check_url(url, allow_private=allow_private)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = ssrf.resolve(host, port, allow_private=allow_private)
    except ssrf.Refused as exc:
        return outcome(None, f"refused: {exc}")
    except ConnectionError as exc:
        return outcome(None, str(exc))
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return outcome(response.status)
    except TimeoutError:
        return outcome(None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
