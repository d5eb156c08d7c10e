"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 as the last word."""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to insert into a page."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_LEFT_OUT = {"markdown": "body_html", "html": "body"}  # body_format: the body a reader does not want


def in_format(item: dict[str, Any], body_format: str = "both") -> dict[str, Any]:
    """``item`` (an entry, a section) with the body ``body_format`` asks for: ``markdown`` (``body``),
    ``html`` (``body_html``) or ``both``."""
    drop = _LEFT_OUT.get(body_format)
    return item if drop is None else {k: v for k, v in item.items() if k != drop}
