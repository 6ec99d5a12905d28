"""A page of results and the links that walk through the pages."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import parse_qsl, urlencode

T = TypeVar("T")
U = TypeVar("U")

Item = Mapping[str, Any]
"""One row as plain values, keyed by the API field names (serialized as is, in one pass)."""

PAGING_PARAMETERS = ("page", "per_page", "cursor")
"""Rewritten by the links; every other query parameter (filters, sort, include_total) is kept."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows shaped like the API model T, the total across all pages (None when it
    was not asked for) and, when more rows follow, the cursor of the next page.

    It is written as the newest version's cursor list (cursor_meta, cursor_links) unless
    ``numbered``: v1's page-number list (meta, links), which app.contract.versions.cursor_lists
    asks for."""

    items: Sequence[Item]
    total: int | None
    page: int
    per_page: int
    next_cursor: str | None = None
    by_cursor: bool = False
    numbered: bool = False

    def shaped_as(self, model: type[U]) -> Page[U]:
        """The same page, declared to hold rows of the API model (keys must be its fields)."""
        del model  # only the static type changes
        return cast("Page[U]", self.holding(self.items))

    def holding(self, items: Sequence[Item]) -> Page[T]:
        """The same page with these rows (a version's conversion of them)."""
        return self._copy(items, self.numbered)

    def as_numbered(self) -> Page[T]:
        """The same page, written as v1's page-number list (meta and links)."""
        return self._copy(self.items, True)

    def _copy(self, items: Sequence[Item], numbered: bool) -> Page[T]:
        # Positional, not dataclasses.replace, which works out the fields on every call.
        return Page(
            items,
            self.total,
            self.page,
            self.per_page,
            self.next_cursor,
            self.by_cursor,
            numbered,
        )

    def cursor_meta(self) -> dict[str, Any]:
        """The meta object of a cursor list: page size, next cursor, the total when counted."""
        meta: dict[str, Any] = {"per_page": self.per_page, "next_cursor": self.next_cursor}
        if self.total is not None:
            meta["total"] = self.total
        return meta

    def cursor_links(self, path: str, query: str) -> dict[str, Any]:
        """Relative self and next links of a cursor list, keeping the other query parameters
        (path and query as the request sent them, the query undecoded)."""
        sent = parse_qsl(query, keep_blank_values=True)
        kept = urlencode([(key, value) for key, value in sent if key not in PAGING_PARAMETERS])
        prefix = f"{path}?{kept}&" if kept else f"{path}?"
        size = f"per_page={self.per_page}"
        own = dict(sent).get("cursor")
        current = f"{prefix}{urlencode([('cursor', own)])}&{size}" if own else f"{prefix}{size}"
        following = None
        if self.next_cursor is not None:
            following = f"{prefix}{urlencode([('cursor', self.next_cursor)])}&{size}"
        return {"self": current, "next": following}

    @property
    def total_pages(self) -> int:
        """How many pages the total fills (0 when there is nothing)."""
        return math.ceil((self.total or 0) / self.per_page)

    def meta(self) -> dict[str, Any]:
        """The envelope's meta object of a numbered list (v1)."""
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "total_pages": self.total_pages,
            "next_cursor": self.next_cursor,
        }

    def links(self, path: str, query: str) -> dict[str, Any]:
        """Relative self/first/last/next/prev links keeping the caller's other query parameters
        (path and query as the request sent them, the query undecoded).

        By page number unless the request used a cursor: then self and next carry cursors."""
        last = max(self.total_pages, 1)
        sent = parse_qsl(query, keep_blank_values=True)
        kept = urlencode([(key, value) for key, value in sent if key not in PAGING_PARAMETERS])
        prefix = f"{path}?{kept}&" if kept else f"{path}?"
        size = f"per_page={self.per_page}"

        def at(page: int) -> str:
            return f"{prefix}page={page}&{size}"

        def after(cursor: str) -> str:
            return f"{prefix}{urlencode([('cursor', cursor)])}&{size}"

        if self.by_cursor:
            own = dict(sent).get("cursor", "")
            current = after(own)
            following = after(self.next_cursor) if self.next_cursor else None
        else:
            current = at(self.page)
            following = at(self.page + 1) if self.page < last else None
        return {
            "self": current,
            "first": at(1),
            "last": at(last),
            "next": following,
            "prev": at(min(self.page - 1, last)) if self.page > 1 else None,
        }
