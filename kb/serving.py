"""The gunicorn worker kb is served with: gevent, and problem+json for the errors gunicorn answers itself.

A gevent worker serves each connection in a greenlet, so a client that trickles its headers costs a
greenlet, not a worker. Requests gunicorn rejects before the app sees them (a request line or header
too large, invalid header bytes) and a worker timeout get the same RFC 9457 body as every other error.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from datetime import datetime
from http import HTTPStatus
from typing import Any

import gevent
from gevent import monkey
from gunicorn.http import errors as http_errors
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

from kb.errors import PROBLEM_MIMETYPE, PROBLEM_TYPE_BASE, RequestDeadline

# Errors gunicorn meets before the app runs, by its exception: the status and what to tell the client.
_CLIENT_ERRORS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int, str], ...] = (
    (  # the app's own fault (a header it tried to send), or the server's: not the client's
        (
            http_errors.InvalidResponseHeader,
            http_errors.InvalidResponseHeaderName,
            http_errors.ConfigurationProblem,
        ),
        500,
        "The server met an unexpected error; it has been logged.",
    ),
    (
        http_errors.LimitRequestLine,
        414,
        "The request line (method, path and query) is longer than the server accepts (8190 bytes).",
    ),
    (
        http_errors.LimitRequestHeaders,
        431,
        "The request's headers are too many or too large (at most 100 fields of 8190 bytes each).",
    ),
    (http_errors.InvalidHeaderName, 400, "A header name holds characters HTTP does not allow."),
    (http_errors.InvalidHeader, 400, "A header holds bytes HTTP does not allow, or is malformed."),
    (http_errors.ObsoleteFolding, 400, "Headers must not be folded over several lines."),
    (http_errors.InvalidRequestMethod, 400, "The request method is not valid."),
    (http_errors.InvalidHTTPVersion, 400, "The HTTP version is not supported."),
    (http_errors.InvalidRequestLine, 400, "The request line is not valid HTTP."),
    (http_errors.UnsupportedTransferCoding, 501, "The transfer coding is not supported."),
    (http_errors.ExpectationFailed, 417, "The Expect header is not supported."),
    (http_errors.ParseException, 400, "The request is not valid HTTP."),
)


def error_response(exc: BaseException) -> tuple[int, bytes, dict[str, str]]:
    """The status, problem+json body and extra headers for an error gunicorn met."""
    headers: dict[str, str] = {}
    known = next(((status, detail) for cls, status, detail in _CLIENT_ERRORS if isinstance(exc, cls)), None)
    if known is not None:
        status, detail = known
    else:
        if isinstance(exc, (SystemExit, RequestDeadline)):  # past the worker timeout
            status, detail = 503, "The server took too long to answer; retry shortly."
            headers["Retry-After"] = "5"
        else:
            status, detail = 500, "The server met an unexpected error; it has been logged."
    phrase = HTTPStatus(status).phrase
    body = {
        "type": PROBLEM_TYPE_BASE + phrase.lower().replace(" ", "-"),
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    return status, json.dumps(body).encode(), headers


def write_problem(sock: Any, exc: BaseException) -> int:
    """Answer ``exc`` on ``sock`` with problem+json and close the connection; returns the status."""
    status, body, headers = error_response(exc)
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Connection: close",
        f"Content-Type: {PROBLEM_MIMETYPE}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    return status


def with_deadline(app: Any, seconds: float) -> Any:
    """``app`` whose call (the view, before any streamed body) is cut short after ``seconds``.

    The master's timeout only fires when a worker stops answering its heartbeat; a request that
    waits on the database yields to the heartbeat greenlet, so it would run on unbounded. The
    deadline raises in the request's own greenlet at its next wait: the app's teardown rolls its
    transaction back and the worker answers 503 (``KbWorker.handle_request``). Past a write's commit
    the write stands: ``kb.services.indexing.apply_pending`` catches it and the write is answered as
    done. A streamed body (an export) is not bounded by it once it has begun.
    """

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        with gevent.Timeout(seconds, RequestDeadline):
            return app(environ, start_response)

    return call


class KbWorker(GeventWorker):
    """gunicorn's gevent worker, answering its own errors as problem+json."""

    def load_wsgi(self) -> None:
        """As gunicorn's, with each request's app call bounded by the worker timeout."""
        super().load_wsgi()
        self.wsgi = with_deadline(self.wsgi, self.cfg.timeout)

    def init_signals(self) -> None:
        """As gevent's, except SIGABRT (the master's worker timeout): gevent would run its handler in
        the hub, which never runs while a request keeps the worker busy; handled at once instead, the
        SystemExit it raises ends that request, which is answered 503 (``handle_error``)."""
        super().init_signals()
        monkey.get_original("signal", "signal")(signal.SIGABRT, self._abort_now)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> bool:
        """As gevent's, except that a request ended by a worker timeout (SystemExit, raised before its
        response began) is answered 503 problem+json rather than dropped."""
        try:
            return AsyncWorker.handle_request(self, listener_name, req, sock, addr)
        except gevent.GreenletExit:
            return False
        except (SystemExit, RequestDeadline) as exc:
            self.log.error("Request aborted by the worker timeout: %s %s", req.method, req.path)
            with contextlib.suppress(OSError):
                write_problem(sock, exc)
            return False

    def _abort_now(self, _signum: int, _frame: Any) -> None:
        self.alive = False
        self.cfg.worker_abort(self)
        sys.exit(1)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status = error_response(exc)[0]
        if status >= 500:
            self.log.exception("Error handling request", exc_info=exc)
        else:
            self.log.warning("Invalid request from %s: %s", (addr or ("",))[0], exc)
        started = datetime.now()
        try:
            write_problem(client, exc)
        except OSError:
            self.log.debug("Failed to send error message.")
        if req is not None:
            self.log.info("%s %s -> %s in %s", req.method, req.path, status, datetime.now() - started)
