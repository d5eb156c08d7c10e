"""The changes-feed rows of a procedure write: a procedure's text is served per locale (its source and
each translation), so a write records, in its transaction, an ``upsert`` in each locale whose text it
added or changed and a ``remove`` in each it took away (all of them for a delete), with kind
``procedure`` and the procedure as the row's procedure (so ``procedure=`` keeps it)."""

from __future__ import annotations

from typing import Any

from kb.models import Procedure
from kb.services import changes

KIND = "procedure"
Texts = dict[str, dict[str, Any]]


def texts(values: Procedure | dict[str, Any] | None) -> Texts:
    """``{locale: {title, summary}}`` of a procedure (or of its content fields); none for None."""
    if values is None:
        return {}
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    served: Texts = {get("locale"): {"title": get("title"), "summary": get("summary") or ""}}
    for tag, text in (get("translations") or {}).items():
        if tag != get("locale"):
            served[tag] = {"title": text["title"], "summary": text.get("summary") or ""}
    return served


def record(slug: str, version: int, before: Texts, after: Texts) -> None:
    """The rows of a write that took the procedure's texts from ``before`` to ``after``."""
    for locale in sorted(before.keys() | after.keys()):
        if locale not in after:
            change = "remove"
        elif before.get(locale) != after[locale]:
            change = "upsert"
        else:
            continue
        changes.record(slug, KIND, change, version, locale=locale, procedures=[slug])
