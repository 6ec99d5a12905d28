"""Counting, sorting and slicing a query into a Page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.pagination import Page

T = TypeVar("T")


def order_by(
    sort: str,
    columns: Mapping[str, InstrumentedAttribute[Any]],
    tiebreak: InstrumentedAttribute[Any],
) -> list[Any]:
    """ORDER BY for a sort key like "name" or "-name", ending with a unique tiebreak column
    so pages never overlap or skip rows."""
    column = columns[sort.removeprefix("-")]
    return [column.desc() if sort.startswith("-") else column.asc(), tiebreak.asc()]


async def _total(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> int:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


async def paginate(session: AsyncSession, query: Select[T], *, page: int, per_page: int) -> Page[T]:
    """Run an ordered single-entity query for one page, with the total count."""
    total = await _total(session, query)
    offset = (page - 1) * per_page
    rows = (
        list(await session.scalars(query.limit(per_page).offset(offset))) if offset < total else []
    )
    return Page(items=rows, total=total, page=page, per_page=per_page)


async def paginate_rows(
    session: AsyncSession, query: Select[*tuple[Any, ...]], *, page: int, per_page: int
) -> Page[tuple[Any, ...]]:
    """Like paginate, for queries returning several entities per row (e.g. joins)."""
    total = await _total(session, query)
    offset = (page - 1) * per_page
    items: list[tuple[Any, ...]] = []
    if offset < total:
        items = [tuple(row) for row in await session.execute(query.limit(per_page).offset(offset))]
    return Page(items=items, total=total, page=page, per_page=per_page)
