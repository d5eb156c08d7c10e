"""Previews on the public reads: a view marked :func:`previewable` shows, to a request carrying a valid
``KB-Preview-Token`` for the object asked for, the draft version the token names instead of the live
copy, in the same shape. kb.api.caching answers any request carrying the header ``private, no-store``
with no ETag (never a 304, never a validator shared with the public copy), and every response of a
previewable view ``Vary: KB-Preview-Token``, so a shared cache keeps the two apart."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from kb.api.caching import PREVIEW_REQUEST, PREVIEWABLE
from kb.api.docs import problems
from kb.api.localization import served
from kb.api.openapi import PREVIEW
from kb.errors import BadRequestError
from kb.previews.tokens import HEADER, PREFIX, Grant, verify

QUERY_NAMES = ("preview_token", "token", HEADER.lower())  # and any value that is a token (kbp_...)

Serve = Callable[[Grant, dict[str, Any]], Any]  # the grant, the view's parsed query arguments


def previewable(blp: Any, object_type: str, serve: Serve) -> Callable[[Any], Any]:
    """Let the detail view of ``object_type`` (entry, article) answer preview requests with ``serve``."""

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def view(self: Any, slug: str, **kwargs: Any) -> Any:
            g.setdefault(PREVIEWABLE, True)
            _refuse_in_query()
            raw = request.headers.get(HEADER)
            if raw is None:
                return func(self, slug, **kwargs)
            g.setdefault(PREVIEW_REQUEST, True)
            grant = verify(raw.strip())  # an expired or altered token is a 401 wherever it is sent
            if grant.object_type != object_type or grant.slug != slug:
                return func(self, slug, **kwargs)  # a token for another object: the public copy
            return served(serve(grant, kwargs))  # in the token's locale, shaped as the query asks

        view = blp.doc(security=[{}, {PREVIEW: []}])(view)
        return problems(
            blp, 401, described={401: f"The {HEADER} header holds an invalid or expired preview token"}
        )(view)

    return decorate


def _refuse_in_query() -> None:
    """A token in the URL would be kept by caches, logs and browser histories: refused (400)."""
    names = [
        name
        for name, value in request.args.items(multi=True)
        if name.lower() in QUERY_NAMES or value.startswith(PREFIX)
    ]
    if names:
        raise BadRequestError(
            f"Send the preview token in the {HEADER} header, never in the URL.",
            errors={name: ["Preview tokens in the query string are refused."] for name in names},
        )
