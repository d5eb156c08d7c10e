"""Drafts and the live copy: saving a draft never touches what clients see; publishing copies it."""

from __future__ import annotations

from typing import Any

from kb.extensions import db
from kb.models import Article, Entry, LiveArticle, LiveEntry, LiveEntryTag
from kb.models.types import utcnow
from kb.services.rendering import render_markdown


def save_entry_draft(entry: Entry | None, data: dict[str, Any]) -> Entry:
    """Create an entry or change its draft; a save that changes nothing keeps the version."""
    now = utcnow()
    if entry is None:
        entry = Entry(slug=data["slug"], kind=data["kind"], status="draft", version=1, created_at=now,
                      updated_at=now, **{k: data[k] for k in Entry.CONTENT_FIELDS})
        db.session.add(entry)
        return entry
    if entry.content() == {k: data[k] for k in Entry.CONTENT_FIELDS} and entry.kind == data["kind"]:
        return entry
    entry.kind = data["kind"]
    for name in Entry.CONTENT_FIELDS:
        setattr(entry, name, data[name])
    entry.version += 1
    entry.updated_at = now
    return entry


def publish_entry(entry: Entry) -> LiveEntry:
    """Make the draft the live version (the caller commits)."""
    if entry.live is not None and entry.live.version == entry.version and entry.status == "published":
        return entry.live
    now = utcnow()
    live = entry.live or LiveEntry(created_at=entry.created_at)
    for name in Entry.CONTENT_FIELDS:
        setattr(live, name, getattr(entry, name))
    live.slug, live.kind, live.version = entry.slug, entry.kind, entry.version
    live.body_html = render_markdown(entry.body)
    live.updated_at = entry.updated_at
    live.published_at = now
    live.tag_rows = [LiveEntryTag(tag=tag) for tag in dict.fromkeys(entry.tags)]
    entry.live = live
    entry.status, entry.published_at = "published", now
    db.session.flush()
    return live


def save_article_draft(article: Article | None, data: dict[str, Any]) -> Article:
    """Create an article or change its draft; a save that changes nothing keeps the version."""
    now = utcnow()
    if article is None:
        article = Article(slug=data["slug"], status="draft", version=1, created_at=now, updated_at=now,
                          **{k: data[k] for k in Article.CONTENT_FIELDS})
        db.session.add(article)
        return article
    if article.content() == {k: data[k] for k in Article.CONTENT_FIELDS}:
        return article
    for name in Article.CONTENT_FIELDS:
        setattr(article, name, data[name])
    article.version += 1
    article.updated_at = now
    return article


def publish_article(article: Article) -> LiveArticle:
    """Make the article's draft live, with every section's Markdown rendered to safe HTML."""
    if article.live is not None and article.live.version == article.version and article.status == "published":
        return article.live
    now = utcnow()
    live = article.live or LiveArticle(created_at=article.created_at)
    for name in Article.CONTENT_FIELDS:
        setattr(live, name, getattr(article, name))
    live.sections = [{**s, "body_html": render_markdown(s.get("body", ""))} for s in article.sections]
    live.slug, live.version, live.updated_at, live.published_at = article.slug, article.version, \
        article.updated_at, now
    article.live = live
    article.status, article.published_at = "published", now
    db.session.flush()
    return live
