"""Which items a stretch of the changes feed touched: the items changed, and the items naming them.

An item's public representation changes with its own publishes and unpublishes (in any locale: its
``translations`` listing names them all) and with those of the entries it names (an entry's
``related`` and ``details.prevention`` list only served entries; an article embeds its entries'
summaries), all of which the feed records. A procedure's changes with its own writes and with every
change of an entry that applies to it, or did until the change (its ``rules`` are built from those
entries' warning signs): the feed records those procedures with each entry's row.
"""

from __future__ import annotations

import sqlalchemy as sa

from kb.extensions import db
from kb.models import (
    Change,
    ChangeProcedure,
    LiveArticle,
    LiveArticleProcedure,
    LiveEntry,
    LiveEntryProcedure,
    Procedure,
)
from kb.services import localized

Item = tuple[str, str]  # (type, slug): type is "entry", "article" or "procedure"
TYPED_KINDS = ("article", "procedure")  # feed kinds that are an item type; any other is an entry kind
CHUNK = 50


def _typed() -> sa.Subquery:
    kind = sa.case(*((Change.kind == name, name) for name in TYPED_KINDS), else_="entry")
    return sa.select(kind.label("type"), Change.slug, Change.id).subquery()


def latest(after: int) -> dict[Item, int]:
    """The items changed after change ``after``, each with the id of its latest change."""
    typed = _typed()
    query = (
        sa.select(typed.c.type, typed.c.slug, sa.func.max(typed.c.id))
        .where(typed.c.id > after)
        .group_by(typed.c.type, typed.c.slug)
    )
    return {(type_, slug): last for type_, slug, last in db.session.execute(query)}


def referrers(slugs: set[str]) -> dict[Item, set[str]]:
    """The live entries and articles that name any of the entries ``slugs``, with the ones they name."""
    found: dict[Item, set[str]] = {}
    ordered = sorted(slugs)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        # a quoted slug in the JSON text finds the candidates; the references themselves decide
        entry_like = [
            sa.or_(_mentions(LiveEntry.related, slug), _mentions(LiveEntry.details, slug)) for slug in chunk
        ]
        for live in db.session.scalars(sa.select(LiveEntry).where(sa.or_(*entry_like))):
            if named := slugs.intersection(localized.references(live)):
                found.setdefault(("entry", live.slug), set()).update(named)
        article_like = [_mentions(LiveArticle.sections, slug) for slug in chunk]
        for article in db.session.scalars(sa.select(LiveArticle).where(sa.or_(*article_like))):
            if named := slugs.intersection(ref for section in article.sections for ref in section["entries"]):
                found.setdefault(("article", article.slug), set()).update(named)
    return found


def touched(after: int) -> dict[Item, int]:
    """Every item whose representation the changes after change ``after`` may have changed, each with
    the id of the latest such change (its own, or one of an entry it names)."""
    items = latest(after)
    changed_entries = {slug: last for (type_, slug), last in items.items() if type_ == "entry"}
    for item, named in referrers(set(changed_entries)).items():
        items[item] = max(items.get(item, 0), *(changed_entries[slug] for slug in named))
    for slug, last in of_entries(after).items():
        items[("procedure", slug)] = max(items.get(("procedure", slug), 0), last)
    return items


def of_entries(after: int) -> dict[str, int]:
    """The procedures whose rules the entry changes after change ``after`` may have changed (those each
    changed entry applied to before or after its change), each with the id of the latest such change."""
    typed = _typed()
    query = (
        sa.select(ChangeProcedure.procedure, sa.func.max(typed.c.id))
        .join(typed, typed.c.id == ChangeProcedure.change_id)
        .where(typed.c.id > after, typed.c.type == "entry")
        .group_by(ChangeProcedure.procedure)
    )
    return dict(db.session.execute(query).all())


def attached_slugs(type_: str, procedure: str) -> sa.Select:
    """SQL: the slugs of the live items of ``type_`` that apply to ``procedure`` (of procedures: itself)."""
    if type_ == "procedure":
        return sa.select(Procedure.slug).where(Procedure.slug == procedure)
    if type_ == "article":
        link, live, key = LiveArticleProcedure, LiveArticle, LiveArticle.article_id
        on = link.article_id == key
    else:
        link, live, key = LiveEntryProcedure, LiveEntry, LiveEntry.entry_id
        on = link.entry_id == key
    return sa.select(live.slug).join(link, on).where(link.procedure == procedure)


def of_procedure(items: dict[Item, int], after: int, procedure: str) -> dict[Item, int]:
    """Those of ``items`` that apply to ``procedure`` now, or did in a change after change ``after``
    (recorded with the change: kb.models.procedure)."""
    typed = _typed()
    tagged = sa.select(typed.c.type, typed.c.slug).where(
        typed.c.id > after,
        typed.c.id.in_(sa.select(ChangeProcedure.change_id).where(ChangeProcedure.procedure == procedure)),
    )
    relevant = {(t, s) for t, s in db.session.execute(tagged)}
    for type_ in ("entry", "article", "procedure"):
        relevant |= {(type_, s) for s in db.session.scalars(attached_slugs(type_, procedure))}
    return {item: last for item, last in items.items() if item in relevant}


def _mentions(column: sa.ColumnElement, slug: str) -> sa.ColumnElement[bool]:
    return sa.cast(column, sa.Text).like(f'%"{slug}"%')
