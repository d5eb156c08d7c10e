"""The pages of a sync: the initial sync, a consistent snapshot, and the deltas after it.

The initial sync fixes ``S``, the newest change when it starts, and pages through the items served
along the chain (entries, then articles, then procedures, each by slug), leaving out every item the
changes after ``S`` may have touched (kb.sync.affected): those come in the delta that starts at ``S``,
so an app that pages through while content changes loses nothing and gets nothing twice. A delta
collapses the changes after its cursor per item, in the order of each item's latest change, and gives
each item as it is now, or a tombstone when nothing of it is served along the chain any more.

A sync of one procedure (``procedure=``) holds only the items that apply to it, and the procedure
itself (with its rules): the initial sync leaves the others out, and a delta gives the touched items
that apply to it now, and a tombstone for each that applied to it within the delta's changes and does
not any more.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change
from kb.services.localized import Chain
from kb.sync import affected, horizon, views
from kb.sync.cursors import Cursor, encode

TYPES = ("entry", "article", "procedure")


def start(chain: Chain, procedure: str | None = None) -> Cursor:
    """The cursor of a new initial sync along ``chain`` (of ``procedure``'s content only, if given)."""
    newest = db.session.scalar(sa.select(sa.func.max(Change.id)))
    return Cursor("initial", tuple(chain), newest or 0, None, procedure)


def page(cursor: Cursor, limit: int) -> dict[str, Any]:
    """The page at ``cursor``: ``{data, tombstones, next_cursor, has_more}``; 410 past the horizon."""
    result = _initial(cursor, limit) if cursor.phase == "initial" else _delta(cursor, limit)
    horizon.require_complete(cursor.at, "cursor")  # after reading: pruning moves the horizon first
    return result


def _initial(cursor: Cursor, limit: int) -> dict[str, Any]:
    skip = affected.touched(cursor.at)
    found: list[affected.Item] = []
    types = TYPES[TYPES.index(cursor.after[0]) :] if cursor.after else TYPES
    for type_ in types:
        slug, is_served = views.served_slugs(type_, cursor.chain)
        query = sa.select(slug).where(is_served)
        if cursor.procedure:
            query = query.where(slug.in_(affected.attached_slugs(type_, cursor.procedure)))
        if cursor.after and cursor.after[0] == type_:
            query = query.where(slug > cursor.after[1])
        if skipped := [s for t, s in skip if t == type_]:
            query = query.where(slug.not_in(skipped))
        found += [(type_, s) for s in db.session.scalars(query.order_by(slug).limit(limit + 1 - len(found)))]
        if len(found) > limit:
            break
    has_more = len(found) > limit
    found = found[:limit]
    shown = views.current(found, cursor.chain)
    # an item unpublished since the query above has a change after S: the first delta gives it
    data = [shown[item] for item in found if item in shown]
    chain, at, procedure = cursor.chain, cursor.at, cursor.procedure
    after = Cursor("initial", chain, at, found[-1] if has_more else None, procedure)
    after = after if has_more else Cursor("delta", chain, at, None, procedure)
    return {"data": data, "tombstones": [], "next_cursor": encode(after), "has_more": has_more}


def _delta(cursor: Cursor, limit: int) -> dict[str, Any]:
    """The items touched after the cursor, in the order of the latest change touching each; a page
    ends after the last item touched by its last change (so it may hold more than ``limit`` when many
    items name one entry), and the next starts after that change: each item comes once per delta."""
    touched = affected.touched(cursor.at)
    if cursor.procedure:
        touched = affected.of_procedure(touched, cursor.at, cursor.procedure)
    touched = sorted(touched.items(), key=lambda pair: (pair[1], pair[0]))
    page = touched[:limit]
    upto = page[-1][1] if page else cursor.at
    page += [pair for pair in touched[limit:] if pair[1] == upto]
    has_more = len(touched) > len(page)
    items = [item for item, _ in page]
    shown = views.current(items, cursor.chain)
    if cursor.procedure:  # an item that no longer applies to the procedure leaves the app's copy
        shown = {item: view for item, view in shown.items() if views.applies_to(view, cursor.procedure)}
    own = affected.latest(cursor.at) if len(shown) < len(items) else {}
    # one not served any more: a tombstone from its own last change (an item only naming one has none)
    gone = views.tombstones(own[item] for item in items if item not in shown and item in own)
    return {
        "data": [shown[item] for item in items if item in shown],
        "tombstones": gone,
        "next_cursor": encode(Cursor("delta", cursor.chain, upto, None, cursor.procedure)),
        "has_more": has_more,
    }
