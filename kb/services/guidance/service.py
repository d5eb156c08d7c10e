"""What the procedure views call: each answer is computed from the published content alone, served
along the request's locale chain (entry text per item, the fixed sentences in the chain's best language)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kb.schemas.details import ACTIONS
from kb.services import procedures
from kb.services.guidance import calendar, matching, rules, timeline
from kb.services.guidance.content import served_entries
from kb.services.guidance.texts import text
from kb.services.localized import Chain


def _ref(slug: str, chain: Chain) -> dict[str, str]:
    procedure = procedures.get(slug, chain)
    return {"slug": procedure["slug"], "title": procedure["title"]}


def rules_document(slug: str, *, chain: Chain) -> dict[str, Any]:
    """The warning-sign rules of procedure ``slug`` as plain data, for apps to cache and run offline."""
    procedure = _ref(slug, chain)
    return {
        "procedure": procedure,
        "locale": chain[0],
        "actions": list(ACTIONS),
        "advice": rules.advice(chain),
        "disclaimer": text("disclaimer", chain),
        "signs": rules.rules_of(served_entries(slug, chain), chain),
    }


def check(slug: str, *, hours_since: float, signs: list[str], chain: Chain) -> dict[str, Any]:
    """Evaluate the reported signs ``hours_since`` hours after procedure ``slug``."""
    procedure = _ref(slug, chain)
    found = rules.rules_of(served_entries(slug, chain), chain)
    result = rules.evaluate(found, hours_since, matching.name_rules(signs, found))
    return {
        "procedure": procedure,
        "hours_since": hours_since,
        "locale": chain[0],
        **result,
        "disclaimer": text("disclaimer", chain),
    }


def _steps(slug: str, start: datetime | None, tz: str | None, chain: Chain) -> list[timeline.Item]:
    entries = served_entries(slug, chain)
    return timeline.place(timeline.items(entries, rules.rules_of(entries, chain), chain), start, tz)


def timeline_document(
    slug: str, *, start: datetime | None = None, tz: str | None = None, chain: Chain
) -> dict[str, Any]:
    """Every aftercare step and check of procedure ``slug``, in order; absolute times with ``start``."""
    procedure = _ref(slug, chain)
    steps = _steps(slug, start, tz, chain)
    return {
        "procedure": procedure,
        "locale": chain[0],
        "start": start,
        "tz": (tz or "UTC") if start is not None else None,
        "items": [timeline.public(step) for step in steps],
        "disclaimer": text("disclaimer", chain),
    }


def calendar_file(
    slug: str, *, start: datetime, tz: str | None, chain: Chain, link: Callable[[str], str]
) -> bytes:
    """The timeline as iCalendar; ``link(entry slug)`` is the URL of an entry."""
    procedure = _ref(slug, chain)
    return calendar.build(procedure, start, _steps(slug, start, tz, chain), link, chain)
