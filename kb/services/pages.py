"""One page of a list, as every list endpoint returns it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kb.extensions import db


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    fields: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # added to the envelope's meta
    extra: dict[str, Any] = field(default_factory=dict)  # added to the envelope's top level

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def paginate(query: sa.Select[Any], *, page: int, per_page: int, scalars: bool = True) -> Page:
    """Run ``query`` for one page and count the whole result."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    window = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(window)
    items = list(result.scalars() if scalars else result.mappings())
    return Page(items=items, page=page, per_page=per_page, total=total)


def order_by(columns: dict[str, Any], sort: str) -> list[Any]:
    """``sort`` is a key of ``columns``, optionally prefixed with ``-``; ties break on the first column."""
    name = sort.lstrip("-")
    column = columns[name]
    tiebreak = next(iter(columns.values()))
    primary = column.desc() if sort.startswith("-") else column.asc()
    return [primary] if column is tiebreak else [primary, tiebreak.asc()]
