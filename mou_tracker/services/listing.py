"""Reading one page of a long list, with the length of the whole list, in one query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..core.paging import Pages


def one_page(
    session: Session, query: Select, *, order_by: Sequence, options: Sequence = (), page: int, size: int
) -> tuple[list, Pages]:
    """The rows of page `page` of `query` and where that page lies.

    The total rides along each row as a window count, so a page costs one query rather than a count and a read;
    only a page past the end (which has no rows to carry it) counts separately."""
    total = func.count().over().label("total")
    rows = session.execute(
        query.add_columns(total).options(*options).order_by(*order_by).offset((page - 1) * size).limit(size)
    ).all()
    if rows:
        count = rows[0].total
    elif page == 1:
        count = 0
    else:
        count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return [row[0] for row in rows], Pages(page, size, count)
