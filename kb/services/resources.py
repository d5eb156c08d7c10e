"""What differs between entries and articles, so every editing rule is written once for both."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from kb.models import (
    Article,
    Entry,
    LiveArticle,
    LiveArticleProcedure,
    LiveEntry,
    LiveEntryProcedure,
    LiveEntryTag,
)
from kb.schemas.article import ArticleInputSchema
from kb.schemas.entry import EntryInputSchema
from kb.services.rendering import render_markdown


@dataclass(frozen=True)
class Resource:
    name: str  # "entry" | "article": the object type in revisions and audit
    plural: str  # in URLs
    model: type[Any]
    live_model: type[Any]
    input_schema: type[ma.Schema]
    fields: tuple[str, ...]  # editable fields besides the slug
    render: Callable[[Any, Any], None]  # fill the live copy's derived fields from the draft
    feed_kind: Callable[[Any], str]  # "kind" of the object in the changes feed
    indexed: bool  # whether public search indexes it
    references: Callable[[Mapping[str, Any]], dict[str, list[str]]]  # entry slugs it points at, by field

    def content(self, obj: Any) -> dict[str, Any]:
        """The editable fields of a draft or live copy."""
        return {name: getattr(obj, name) for name in self.fields}


def _render_entry(draft: Entry, live: LiveEntry) -> None:
    live.body_html = render_markdown(draft.body)
    live.tag_rows = [LiveEntryTag(tag=tag) for tag in dict.fromkeys(draft.tags)]
    live.procedure_rows = [LiveEntryProcedure(procedure=p) for p in dict.fromkeys(draft.procedures)]


def _render_article(draft: Article, live: LiveArticle) -> None:
    live.sections = [{**s, "body_html": render_markdown(s.get("body", ""))} for s in draft.sections]
    live.procedure_rows = [LiveArticleProcedure(procedure=p) for p in dict.fromkeys(draft.procedures)]


def _entry_references(data: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        "related": list(data["related"]),
        "details.prevention": list(data["details"].get("prevention", [])),
    }


def _article_references(data: Mapping[str, Any]) -> dict[str, list[str]]:
    return {"sections.entries": [slug for section in data["sections"] for slug in section["entries"]]}


ENTRY = Resource(
    name="entry",
    plural="entries",
    model=Entry,
    live_model=LiveEntry,
    input_schema=EntryInputSchema,
    fields=("kind", *Entry.CONTENT_FIELDS),
    render=_render_entry,
    feed_kind=lambda e: e.kind,
    indexed=True,
    references=_entry_references,
)
ARTICLE = Resource(
    name="article",
    plural="articles",
    model=Article,
    live_model=LiveArticle,
    input_schema=ArticleInputSchema,
    fields=Article.CONTENT_FIELDS,
    render=_render_article,
    feed_kind=lambda _: "article",
    indexed=True,
    references=_article_references,
)
RESOURCES = {r.name: r for r in (ENTRY, ARTICLE)}
