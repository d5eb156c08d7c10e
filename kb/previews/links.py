"""Preview links: a token for one draft version of an entry or article, issued to an editor, audited."""

from __future__ import annotations

from typing import Any

from flask import current_app

from kb.errors import ConflictError, ValidationFailed
from kb.previews import drafts, tokens
from kb.services import translations
from kb.services.resources import Resource
from kb.services.unit_of_work import unit_of_work


def create(
    res: Resource,
    slug: str,
    *,
    locale: str | None = None,
    version: int | None,
    expires_in: int | None,
    actor: str,
) -> dict[str, Any]:
    """A preview token for ``version`` (by default the current draft) of ``slug``, or of its ``locale``
    translation, valid ``expires_in`` seconds (by default KB_PREVIEW_TTL, at most KB_PREVIEW_MAX_TTL)."""
    config = current_app.config
    ttl = expires_in if expires_in is not None else config["KB_PREVIEW_TTL"]
    if ttl > config["KB_PREVIEW_MAX_TTL"]:
        raise ValidationFailed(
            "The preview would live too long.",
            errors={"expires_in": [f"Send at most {config['KB_PREVIEW_MAX_TTL']} seconds."]},
        )
    key = f"{slug}:{locale}" if locale else slug
    with unit_of_work(
        "preview.create", object_type=res.name, object_key=key, status=201, actor=actor
    ) as work:
        if locale is None:
            obj = draft = drafts.find(res, slug)
        else:
            obj, draft = translations.get(res, slug, locale)  # 400 unsupported, 409 the source's, 404
            if obj.live is None:
                raise ConflictError(
                    f"Publish the source ({obj.locale}) of {res.name} {slug!r} first: a translation is "
                    "shown with the source's published structure."
                )
        version = draft.version if version is None else version
        if version > draft.version:
            raise ValidationFailed(
                f"The {res.name} has no version {version} yet.",
                errors={"version": [f"Send a saved version, at most {draft.version}."]},
            )
        if locale is None:  # 404 now, not when the link is opened
            locale = drafts.content_of(res, obj, version)[0]["locale"]
        else:
            drafts.translation_content(res, draft, version)
        token, grant = tokens.issue(res.name, str(obj.id), obj.slug, locale, version, ttl)
        work.detail.update(version=version, expires_at=grant.expires_at.isoformat())
    url = f"{config['KB_PUBLIC_URL']}/api/v1/{res.plural}/{grant.slug}"
    return {
        "token": token,
        "header": tokens.HEADER,
        "object_type": res.name,
        "slug": grant.slug,
        "locale": grant.locale,
        "version": grant.version,
        "expires_at": grant.expires_at,
        "url": url if grant.locale == obj.locale else f"{url}?locale={grant.locale}",
    }
