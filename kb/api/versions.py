"""Admin ETags and If-Match, declared once per view: the one way editors' writes are made conditional.

``@versioned(blp)`` puts the version ETag of the object a view returns on its response;
``@versioned(blp, if_match=REQUIRED)`` (or ``OPTIONAL``) also hands the view the request's If-Match as
``if_match`` (a kb.services.preconditions.IfMatch the service checks before it writes). The document
shows the header, the ETag sent back, and the 412 (and for REQUIRED the 428) the write may give.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_smorest.utils import unpack_tuple_response
from werkzeug.http import quote_etag

from kb.api.docs import declare_headers, problems
from kb.services.preconditions import IfMatch, etag

REQUIRED = "required"
OPTIONAL = "optional"


def versioned(blp: Any, *, if_match: str | None = None) -> Callable[[Any], Any]:
    """Send the returned object's version ETag; with ``if_match``, pass the view its If-Match."""
    if if_match not in (None, REQUIRED, OPTIONAL):
        raise ValueError(f"if_match must be {REQUIRED!r}, {OPTIONAL!r} or None, not {if_match!r}")

    def decorate(func: Any) -> Any:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if if_match:
                kwargs["if_match"] = IfMatch(request.if_match, required=if_match == REQUIRED)
            obj, status, headers = unpack_tuple_response(func(*args, **kwargs))
            if obj is None:
                return obj, status, headers
            return obj, status, {**(headers or {}), "ETag": quote_etag(etag(obj))}

        parameters = []
        if if_match:
            wrapper = problems(blp, *((412, 428) if if_match == REQUIRED else (412,)))(wrapper)
            parameters = ["IfMatch" if if_match == REQUIRED else "IfMatchOptional"]
        return declare_headers(wrapper, parameters=parameters, headers={"ETag": "ObjectETag"})

    return decorate
