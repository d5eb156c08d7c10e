"""The published entries guidance is built from, and the text they are served in.

Every entry text guidance shows (titles, signs, terms, instructions) comes through :func:`served_entries`:
each entry whole in the best published translation along the locale chain (kb.services.localized), its
structure (ids, windows, actions, timing) shared by every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import LiveEntry, LiveEntryProcedure
from kb.services import localized
from kb.services.localized import Chain


@dataclass(frozen=True)
class ServedEntry:
    """A published entry as guidance reads it, in the locale it is served in."""

    slug: str
    kind: str
    title: str
    locale: str
    version: int
    published_at: datetime
    details: dict[str, Any]

    def ref(self) -> dict[str, str]:
        return {"slug": self.slug, "kind": self.kind, "title": self.title}


def served_entries(procedure: str, chain: Chain) -> list[ServedEntry]:
    """The published entries that apply to ``procedure``, served along ``chain``, by slug."""
    query = (
        sa.select(LiveEntry)
        .join(LiveEntryProcedure, LiveEntryProcedure.entry_id == LiveEntry.entry_id)
        .where(LiveEntryProcedure.procedure == procedure)
        .order_by(LiveEntry.slug)
    )
    return [
        ServedEntry(
            v["slug"], v["kind"], v["title"], v["locale"], v["version"], v["published_at"], dict(v["details"])
        )
        for v in localized.entries(list(db.session.scalars(query)), chain)
    ]
