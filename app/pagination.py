"""A page of results and the links that walk through the pages."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import URL

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items plus the total across all pages."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    def map(self, transform: Callable[[T], U]) -> Page[U]:
        """The same page with every item transformed (e.g. rows into API models)."""
        return Page([transform(item) for item in self.items], self.total, self.page, self.per_page)

    @property
    def total_pages(self) -> int:
        """How many pages the total fills (0 when there is nothing)."""
        return math.ceil(self.total / self.per_page)

    def meta(self) -> dict[str, int]:
        """The envelope's meta object."""
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "total_pages": self.total_pages,
        }

    def links(self, url: URL) -> dict[str, Any]:
        """Relative self/first/last/next/prev links keeping the caller's other query parameters."""
        last = max(self.total_pages, 1)
        query = parse_qsl(url.query, keep_blank_values=True)
        kept = [(key, value) for key, value in query if key not in ("page", "per_page")]

        def at(page: int) -> str:
            query = urlencode([*kept, ("page", str(page)), ("per_page", str(self.per_page))])
            return f"{url.path}?{query}"

        return {
            "self": at(self.page),
            "first": at(1),
            "last": at(last),
            "next": at(self.page + 1) if self.page < last else None,
            "prev": at(min(self.page - 1, last)) if self.page > 1 else None,
        }
