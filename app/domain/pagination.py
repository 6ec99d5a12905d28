"""A page of results and the links that walk through the pages."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode

T = TypeVar("T")
U = TypeVar("U")

Item = Mapping[str, Any]
"""One row as plain values, keyed by the API field names (serialized as is, in one pass)."""

PAGING_PARAMETERS = ("page", "per_page", "cursor")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows shaped like the API model T, the total across all pages and, when more
    rows follow, the cursor of the next page."""

    items: Sequence[Item]
    total: int
    page: int
    per_page: int
    next_cursor: str | None = None
    by_cursor: bool = False

    def shaped_as(self, model: type[U]) -> Page[U]:
        """The same page, declared to hold rows of the API model (keys must be its fields)."""
        del model  # only the static type changes
        return Page(
            self.items, self.total, self.page, self.per_page, self.next_cursor, self.by_cursor
        )

    @property
    def total_pages(self) -> int:
        """How many pages the total fills (0 when there is nothing)."""
        return math.ceil(self.total / self.per_page)

    def meta(self) -> dict[str, Any]:
        """The envelope's meta object."""
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
