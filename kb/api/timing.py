"""``Server-Timing``: how long a view's work took, sent as a header so the body (and its ETag) does not
depend on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_smorest.utils import unpack_tuple_response
from werkzeug.datastructures import Headers

from kb.api.docs import declare_headers


def server_timing(metric: str) -> Callable[[Any], Any]:
    """Time the decorated view and send ``Server-Timing: <metric>;dur=<milliseconds>``."""

    def decorate(func: Any) -> Any:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result, status, headers = unpack_tuple_response(func(*args, **kwargs))
            took_ms = (time.perf_counter() - started) * 1000
            headers = Headers(headers)
            headers.add("Server-Timing", f"{metric};dur={took_ms:.2f}")
            return result, status, headers

        return declare_headers(wrapper, headers={"Server-Timing": "ServerTiming"}, also_not_modified=True)

    return decorate
