"""The list envelope's links and the RFC 8288 ``Link`` header, built from the current request's path
and query (never its ``Host`` header: see :mod:`kb.api.security`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from kb.api.security import url_for_request
from kb.services.pages import Page


def page_response(page: Page) -> tuple[dict[str, Any], dict[str, str]]:
    """What a list view returns: the envelope (dumped by the view's schema) and the ``Link`` header."""
    links = _links(page)
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)}
    meta = {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
    envelope = {"data": page.items, "meta": meta | page.meta, "links": links, "fields": page.fields}
    return envelope | page.extra, headers


def _links(page: Page) -> dict[str, str | None]:
    def url(number: int) -> str:
        args = {k: v for k, v in request.args.items(multi=True) if k != "page"}
        return url_for_request(urlencode([*args.items(), ("page", number)]))

    return {
        "self": url(page.page),
        "first": url(1),
        "last": url(page.pages),
        "next": url(page.page + 1) if page.page < page.pages else None,
        "prev": url(page.page - 1) if 1 < page.page <= page.pages + 1 else None,
    }
