"""A draft version as the public endpoints would show it once published: the same shape, the same
rendering (Markdown to sanitized HTML), references to published entries only. Read-only: nothing here
is added to the session, so a preview never reaches the live tables, search, the feed or webhooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import Revision
from kb.previews.tokens import Grant
from kb.services import articles, locales, localized, translation_sync, translations
from kb.services.rendering import in_format
from kb.services.resources import ARTICLE, ENTRY, Resource


def entry(grant: Grant, args: dict[str, Any]) -> dict[str, Any]:
    """The entry version ``grant`` names, in the public entry shape (references along its locale's
    chain), shaped by the detail's query ``args`` (include, body_format)."""
    chain = locales.chain(grant.locale)
    view = in_format(_view(ENTRY, grant, chain, localized.entries), args.get("body_format", "both"))
    if "related" in (args.get("include") or []):
        view["related_entries"] = localized.entries_by_slug(view["related"], chain)
    return view


def article(grant: Grant, args: dict[str, Any]) -> dict[str, Any]:
    """The article version ``grant`` names, in the public article shape, shaped by the detail's query
    ``args`` (include, fields, fields[entries], body_format)."""
    chain = locales.chain(grant.locale)
    shape = {name: args.get(name) for name in ("include", "fields", "entry_fields")}
    view = articles.embed(
        _view(ARTICLE, grant, chain, localized.articles),
        chain=chain,
        body_format=args.get("body_format", "both"),
        **shape,
    )
    view.pop("last_modified", None)  # a preview sends no validators
    return view


def _view(
    res: Resource, grant: Grant, chain: Sequence[str], serve: Callable[..., list[Any]]
) -> dict[str, Any]:
    """The version ``grant`` names served as ``serve`` (kb.services.localized) serves live copies: a
    version of the source itself, or of a translation shown over the source's published structure."""
    obj = find(res, grant.slug)
    if str(obj.id) != grant.object_id:
        raise NotFoundError(f"The {res.name} this preview was made for no longer exists.")
    if grant.locale == obj.locale:
        (view,) = serve([_rendered(res, obj, grant)], chain)
        return view
    if obj.live is None:
        raise NotFoundError(
            f"The {res.name} {obj.slug!r} has no published source ({obj.locale}): a translation is shown "
            "with its source's published structure."
        )
    shown = _translation(res, obj, grant)
    (view,) = serve([obj.live], chain, {grant.locale: shown})
    view["status"] = shown.status
    return view


def _translation(res: Resource, obj: Any, grant: Grant) -> SimpleNamespace:
    """Version ``grant.version`` of the ``grant.locale`` translation, shaped like its live copy."""
    tr = translations.find(res, obj, grant.locale)
    if tr is None:
        raise NotFoundError(f"The {res.name} {obj.slug!r} no longer has a {grant.locale} translation.")
    data, updated_at = translation_content(res, tr, grant.version)
    live = tr.live if tr.live is not None and tr.live.version == grant.version else None
    meta = {name: data.pop(name) for name in translations.META_FIELDS}
    for name in ("last_reviewed", "next_review_due"):
        meta[name] = date.fromisoformat(meta[name]) if meta[name] else None
    return SimpleNamespace(
        **meta,
        text=translations.rendered(res, data),
        title=data["title"],
        locale=tr.locale,
        version=grant.version,
        status="published" if live is not None else "archived" if tr.status == "archived" else "draft",
        created_at=tr.created_at,
        updated_at=live.updated_at if live is not None else updated_at,
        published_at=live.published_at if live is not None else None,
    )


def translation_content(res: Resource, tr: Any, version: int) -> tuple[dict[str, Any], Any]:
    """A translation's version ``version`` as a write would send it, and when it was saved."""
    if tr.version == version:
        return translations.snapshot(tr), tr.updated_at
    revision = db.session.scalar(
        sa.select(Revision).where(
            Revision.object_type == translation_sync.revision_type(res),
            Revision.object_id == tr.id,
            Revision.number == version,
        )
    )
    if revision is None:
        raise NotFoundError(
            f"Version {version} of the {tr.locale} translation of {tr.slug!r} no longer exists."
        )
    return dict(revision.snapshot), revision.created_at


def find(res: Resource, slug: str) -> Any:
    """The object (draft row) ``slug``; 404 when there is none."""
    obj = db.session.scalar(sa.select(res.model).where(res.model.slug == slug))
    if obj is None:
        raise NotFoundError(f"No {res.name} with slug {slug!r}.")
    return obj


def _rendered(res: Resource, obj: Any, grant: Grant) -> SimpleNamespace:
    """A version of the source, rendered as publishing would render its live copy."""
    content, updated_at = content_of(res, obj, grant.version)
    if content["locale"] != grant.locale:
        raise NotFoundError(f"Version {grant.version} of {res.name} {obj.slug!r} is not in {grant.locale!r}.")
    live = obj.live
    if live is not None and live.version == grant.version:
        status, updated_at = "published", live.updated_at
    else:
        status = "archived" if obj.status == "archived" else "draft"
    draft = SimpleNamespace(slug=obj.slug, **content)
    view = SimpleNamespace(
        id=obj.id,
        **{f"{res.name}_id": obj.id},  # the key kb.services.localized finds its translations by
        slug=obj.slug,
        **content,
        status=status,
        version=grant.version,
        created_at=obj.created_at,
        updated_at=updated_at,
        published_at=live.published_at if live is not None else None,
    )
    res.render(draft, view)  # body_html / sections' body_html, as publishing renders them
    return view


def content_of(res: Resource, obj: Any, version: int) -> tuple[dict[str, Any], Any]:
    """The content of draft version ``version`` and when it was saved: the draft itself, or the
    revision that saved it."""
    if obj.version == version:
        return res.content(obj), obj.updated_at
    revision = db.session.scalar(
        sa.select(Revision).where(
            Revision.object_type == res.name, Revision.object_id == obj.id, Revision.number == version
        )
    )
    if revision is None:
        raise NotFoundError(f"Version {version} of {res.name} {obj.slug!r} no longer exists.")
    try:
        loaded = res.input_schema().load({**revision.snapshot, "slug": obj.slug})
    except ma.ValidationError as exc:  # a snapshot the current rules no longer accept
        raise NotFoundError(f"Version {version} of {res.name} {obj.slug!r} cannot be shown.") from exc
    return {name: loaded[name] for name in res.fields}, revision.created_at
