"""Shared OpenAPI declarations for views: operation ids, the errors a route may give, and the headers
of conditional requests (the parameters a view takes and the headers its success responses carry)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

from kb.api.base import HTTP_DOC, PROBLEM, ProblemSchema
from kb.api.openapi import header_ref

DESCRIPTIONS = {
    400: "Invalid query parameter, or a body that is not JSON; named in `errors`",
    404: "No such resource, or not published",
    405: "Method not allowed; see the Allow header",
    422: "Invalid body; messages by field in `errors`",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    409: "Conflicts with existing content",
    412: "If-Match is stale: someone saved first; read the object again and reapply your change",
    413: "Body too large",
    415: "Body is not JSON",
    428: "If-Match is required: send the ETag of your last read",
    429: "Too many requests; see Retry-After",
    500: "Unexpected server error",
}


def errors(blp: Any, *codes: int, described: dict[int, str] | None = None) -> Callable[[Any], Any]:
    """Document problem+json responses for ``codes`` on a view, and the 429 every route may give;
    ``described`` gives a view's own description of some of them (a rule of its own)."""
    return problems(blp, *codes, 429, described=described)


def problems(blp: Any, *codes: int, described: dict[int, str] | None = None) -> Callable[[Any], Any]:
    """Document problem+json responses for ``codes`` on a view."""
    descriptions = {**DESCRIPTIONS, **(described or {})}

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(
                code, schema=ProblemSchema, content_type=PROBLEM, description=descriptions.get(code, "Error")
            )(func)
        return func

    return decorate


def not_modified(blp: Any, *, last_modified: bool = False) -> Callable[[Any], Any]:
    """Document the conditional GET kb.api.caching answers: If-None-Match (and If-Modified-Since when
    ``last_modified``), the 304 for a match, and the ETag (and Last-Modified) the responses carry."""
    parameters = ["IfNoneMatch", "IfModifiedSince"] if last_modified else ["IfNoneMatch"]
    headers = {"ETag": "ETag", "Last-Modified": "LastModified"} if last_modified else {"ETag": "ETag"}

    def decorate(func: Any) -> Any:
        func = blp.alt_response(
            304, description="Not modified: your copy is current (no body)", headers={"ETag": "ETag"}
        )(func)
        return declare_headers(func, parameters=parameters, headers=headers)

    return decorate


def declare_headers(
    func: Any,
    *,
    parameters: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    also_not_modified: bool = False,
) -> Any:
    """Note on ``func`` header parameters and success-response headers (components named in
    kb.api.base) for the document, and on its 304 too if ``also_not_modified``; the Blueprint adds
    them to the operation."""
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    declared = func._apidoc.setdefault(HTTP_DOC, {"parameters": [], "headers": {}, "not_modified": {}})
    declared["parameters"].extend(parameters)
    declared["headers"].update(headers or {})
    if also_not_modified:
        declared["not_modified"].update(headers or {})
    return func


def operation(blp: Any, operation_id: str, *, paged: bool = False) -> Callable[[Any], Any]:
    """Name a view's operation (``operationId``, stable for generated clients); ``paged`` documents the
    ``Link`` header a list response carries."""
    doc: dict[str, Any] = {"operationId": operation_id}
    if paged:
        doc["responses"] = {200: {"headers": {"Link": header_ref("Link")}}}
    return blp.doc(**doc)
