"""Sorting, counting and slicing a listing into a Page: by page number or by cursor.

Every sort ends with a unique tiebreak column in the same direction, so the order is total, an
index on (scope, column, tiebreak) serves it forwards or backwards, and a cursor can continue
right after the last row with a row-value comparison instead of an OFFSET.

A Listing builds its statements once per shape (which filters are given, the sort, how the page
is reached), every value a bind parameter, so a request only binds values and each shape is
compiled and prepared once (app.data.reading).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from sqlalchemy import ColumnElement, Select, bindparam, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from app.data import cursors
from app.data.reading import Reader
from app.domain.pagination import Item, Page

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A SELECT of any columns."""
TOTAL = "_listing_total"
"""The label of the total when a page statement carries it."""
Mode = Literal["forward", "backward", "after"]
"""How a page is reached: OFFSET from the start, OFFSET from the end, or after a cursor."""


@dataclass(frozen=True)
class Slice:
    """Which page a request asks for: by number, or after the position a cursor names (a
    page-number cursor, app.data.cursors.page_cursor, names a page by number); and whether the
    total is wanted (a page read by number always counts it)."""

    page: int
    per_page: int
    cursor: str | None = None
    with_total: bool = True

    @classmethod
    def by_cursor(cls, cursor: str | None, per_page: int, include_total: bool | None) -> Slice:
        """The slice of a cursor list (v2): from the start, or where the cursor says."""
        return cls(1, per_page, cursor, bool(include_total))


@dataclass(frozen=True)
class Sort:
    """A sort key like "name" or "-name" resolved to its column and the tiebreak column."""

    column: InstrumentedAttribute[Any]
    tiebreak: InstrumentedAttribute[Any]
    descending: bool

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        """ORDER BY column, tiebreak - both ascending or both descending (or the reverse)."""
        if self.descending != reverse:
            return [self.column.desc(), self.tiebreak.desc()]
        return [self.column.asc(), self.tiebreak.asc()]

    def after(self) -> ColumnElement[bool]:
        """Rows strictly after the position bound as :after_value, :after_tiebreak."""
        key = tuple_(self.column, self.tiebreak)
        at = tuple_(
            bindparam("after_value", type_=self.column.type),
            bindparam("after_tiebreak", type_=self.tiebreak.type),
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
class Listing:
    """How one collection is listed: the query for a set of given filters (their values bound
    by name), the sorts the API offers and the tiebreak; its statements are built once."""

    query: Callable[[frozenset[str]], Query]
    sorts: Mapping[str, InstrumentedAttribute[Any]]
    tiebreak: InstrumentedAttribute[Any]
    total: Callable[[frozenset[str]], Query | None] = lambda filters: None
    """A cheaper exact total for these filters (a kept counter), or None to count the rows."""
    _built: dict[tuple[Any, ...], Query] = field(default_factory=dict, compare=False)

    def sort(self, key: str) -> Sort:
        """The Sort for an API sort key (already validated against the spec's enum)."""
        return Sort(self.sorts[key.removeprefix("-")], self.tiebreak, key.startswith("-"))

    def page_statement(
        self, filters: frozenset[str], sort_key: str, mode: Mode, *, with_total: bool = False
    ) -> Query:
        """The statement of one page: :limit rows, from :offset or after a position; with_total
        adds the total as a column (TOTAL) of every row, so one round trip reads both."""

        def build() -> Query:
            sort = self.sort(sort_key)
            query = self.query(filters)
            if with_total:
                total = self.total_statement(filters).scalar_subquery().label(TOTAL)
                query = query.add_columns(total)
            if mode == "after":
                query = query.where(sort.after())
            else:
                query = query.offset(bindparam("offset"))
            order = sort.order_by(reverse=mode == "backward")
            return query.order_by(*order).limit(bindparam("limit"))

        return self._once(("page", filters, sort_key, mode, with_total), build)

    def total_statement(self, filters: frozenset[str]) -> Query:
        """The statement of the exact total: the listing's own, else a count of every row the
        filters match."""

        def build() -> Query:
            own = self.total(filters)
            if own is not None:
                return own
            return select(func.count()).select_from(self.query(filters).subquery())

        return self._once(("total", filters), build)

    async def count(self, reader: Reader, filters: Mapping[str, Any]) -> int:
        """The exact total of the rows the filters (their bound values) match."""
        return int(await reader.scalar(self.total_statement(frozenset(filters)), filters) or 0)

    def _once(self, shape: tuple[Any, ...], build: Callable[[], Query]) -> Query:
        """The statement of this shape, built the first time it is asked for."""
        built = self._built.get(shape)
        if built is None:
            built = self._built[shape] = build()
        return built


async def fetch_page(
    reader: Reader,
    listing: Listing,
    *,
    filters: Mapping[str, Any],
    sort: str,
    scope: Mapping[str, Any],
    window: Slice,
) -> Page[Any]:
    """One page of the listing as plain rows, with the exact total unless the window does not
    want it. ``filters`` are the bound values of the given filters (and of the listing's own
    scope, such as org_id); ``scope`` names the listing (sort and filters) a cursor is bound to.
    A page-number cursor (v1's `page`, app.data.cursors.page_cursor) is read by number.

    The first page and a cursor's page read their rows and the total in one statement (the rows
    alone without the total); a later page number needs the total first (to know whether to read
    it from the end)."""
    given = frozenset(filters)
    binding = {**scope, "per_page": window.per_page}
    ordering = listing.sort(sort)
    numbered = cursors.page_of(window.cursor) if window.cursor is not None else None
    if numbered is not None:
        window = Slice(numbered, window.per_page, None, window.with_total)
    if window.cursor is not None or window.page == 1:
        if window.cursor is not None:
            position = ordering.decode(window.cursor, binding)
            page = position.page
            mode: Mode = "after"
            bound = {"after_value": position.value, "after_tiebreak": position.tiebreak}
        else:
            page, mode, bound = 1, "forward", {"offset": 0}
        statement = listing.page_statement(given, sort, mode, with_total=window.with_total)
        items = await reader.rows(statement, {**filters, **bound, "limit": window.per_page + 1})
        total = None
        if window.with_total:
            total = int(items[0][TOTAL]) if items else await listing.count(reader, filters)
            for item in items:
                del item[TOTAL]
        more = len(items) > window.per_page
        return _page(items[: window.per_page], more, total, page, window, ordering, binding)
    total = await listing.count(reader, filters)
    start = (window.page - 1) * window.per_page
    if start >= total:
        return Page([], total, window.page, window.per_page)
    if start > total // 2:
        # Past the middle, walk from the end: the last page costs what the first one does.
        end = min(start + window.per_page, total)
        statement = listing.page_statement(given, sort, "backward")
        limits = {"offset": total - end, "limit": end - start}
        items = await reader.rows(statement, {**filters, **limits})
        items.reverse()
        return _page(items, end < total, total, window.page, window, ordering, binding)
    statement = listing.page_statement(given, sort, "forward")
    limits = {"offset": start, "limit": window.per_page + 1}
    items = await reader.rows(statement, {**filters, **limits})
    more = len(items) > window.per_page
    return _page(items[: window.per_page], more, total, window.page, window, ordering, binding)


def _page(
    items: Sequence[Item],
    more: bool,
    total: int | None,
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
