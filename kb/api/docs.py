"""Shared OpenAPI declarations for views: the error responses every route may give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kb.api.base import PROBLEM, ProblemSchema

DESCRIPTIONS = {
    400: "Invalid query parameter; the parameter is named in `errors`",
    404: "No such resource, or not published",
    405: "Method not allowed; see the Allow header",
    422: "Invalid body; messages by field in `errors`",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    409: "Conflicts with existing content",
    412: "If-Match is stale: someone saved first",
    413: "Body too large",
    415: "Body is not JSON",
    428: "If-Match is required",
    429: "Too many requests; see Retry-After",
    500: "Unexpected server error",
}


def errors(blp: Any, *codes: int) -> Callable[[Any], Any]:
    """Document problem+json responses for ``codes`` on a view, and the 429 every route may give."""

    def decorate(func: Any) -> Any:
        for code in (*codes, 429):
            func = blp.alt_response(
                code, schema=ProblemSchema, content_type=PROBLEM, description=DESCRIPTIONS.get(code, "Error")
            )(func)
        return func

    return decorate


def not_modified(blp: Any) -> Callable[[Any], Any]:
    """Document the 304 a GET gives for a matching If-None-Match."""
    return blp.alt_response(304, description="Not modified: the If-None-Match ETag still matches")
