"""Sorting, counting and slicing a Core query into a Page: by page number or by cursor.

Every sort ends with a unique tiebreak column in the same direction, so the order is total, an
index on (scope, column, tiebreak) serves it forwards or backwards, and a cursor can continue
right after the last row with a row-value comparison instead of an OFFSET.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app import cursors
from app.pagination import Item, Page


@dataclass(frozen=True)
class Sort:
    """A sort key like "name" or "-name" resolved to its column and the tiebreak column."""

    column: InstrumentedAttribute[Any]
    tiebreak: InstrumentedAttribute[Any]
    descending: bool

    @classmethod
    def parse(
        cls,
        sort: str,
        columns: Mapping[str, InstrumentedAttribute[Any]],
        tiebreak: InstrumentedAttribute[Any],
    ) -> Sort:
        """The Sort for an API sort key (already validated against the spec's enum)."""
        return cls(columns[sort.removeprefix("-")], tiebreak, sort.startswith("-"))

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        """ORDER BY column, tiebreak - both ascending or both descending (or the reverse)."""
        if self.descending != reverse:
            return [self.column.desc(), self.tiebreak.desc()]
        return [self.column.asc(), self.tiebreak.asc()]

    def after(self, position: cursors.Position) -> ColumnElement[bool]:
        """Rows strictly after the position in this order."""
        key = tuple_(self.column, self.tiebreak)
        at = tuple_(
            literal(position.value, self.column.type),
            literal(position.tiebreak, self.tiebreak.type),
        )
        return key < at if self.descending else key > at

    def position(self, row: Item, page: int) -> cursors.Position:
        """Where a row sits, as the start of the given page."""
        return cursors.Position(page, row[self.column.key], row[self.tiebreak.key])

    def decode(self, cursor: str, scope: Mapping[str, Any]) -> cursors.Position:
        """The position a cursor for this sort names."""
        return cursors.decode(
            cursor,
            scope,
            value_type=_python_type(self.column),
            tiebreak_type=_python_type(self.tiebreak),
        )


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    """The Python type of a column's values, looking through type decorators (UTCDateTime)."""
    column_type = column.type
    python_type: type = getattr(column_type, "impl_instance", column_type).python_type
    return python_type


@dataclass(frozen=True)
class Slice:
    """Which page a request asks for: by number, or after the position a cursor names."""

    page: int
    per_page: int
    cursor: str | None = None


async def count(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows the (filtered) query returns."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


async def fetch_page(
    session: AsyncSession,
    query: Select[*tuple[Any, ...]],
    *,
    sort: Sort,
    scope: Mapping[str, Any],
    window: Slice,
    total: int | None = None,
) -> Page[Any]:
    """One page of a Core query of labelled columns (which include the sort and tiebreak
    columns), as plain rows. ``scope`` names the listing (sort and filters) a cursor is bound
    to; ``total`` is the exact count when the caller keeps one, else the rows are counted."""
    if total is None:
        total = await count(session, query)
    binding = {**scope, "per_page": window.per_page}
    page = window.page
    if window.cursor is not None:
        position = sort.decode(window.cursor, binding)
        page = position.page
        query = query.where(sort.after(position)).order_by(*sort.order_by())
    else:
        start = (page - 1) * window.per_page
        if start >= total:
            return Page([], total, page, window.per_page)
        if start > total // 2:
            # Past the middle, walk from the end: the last page costs what the first one does.
            end = min(start + window.per_page, total)
            query = query.order_by(*sort.order_by(reverse=True)).offset(total - end)
            items = await _rows(session, query.limit(end - start))
            items.reverse()
            return _page(items, end < total, total, page, window, sort, binding)
        query = query.order_by(*sort.order_by()).offset(start)
    items = await _rows(session, query.limit(window.per_page + 1))
    more = len(items) > window.per_page
    return _page(items[: window.per_page], more, total, page, window, sort, binding)


async def _rows(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[Item]:
    """Plain dicts keyed by column label, built once per row (no ORM loading, no Row views)."""
    result = await (await session.connection()).execute(query)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _page(
    items: list[Item],
    more: bool,
    total: int,
    page: int,
    window: Slice,
    sort: Sort,
    binding: Mapping[str, Any],
) -> Page[Any]:
    """The page, with the cursor of the next one when more rows follow."""
    next_cursor = None
    if more and items:
        next_cursor = cursors.encode(binding, sort.position(items[-1], page + 1))
    return Page(items, total, page, window.per_page, next_cursor, window.cursor is not None)
