"""`q=` substring search, written so PostgreSQL's pg_trgm GIN indexes can serve it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.orm import InstrumentedAttribute

SEARCH_PARAMETER = "q"
"""The bind parameter holding the LIKE pattern of `q=` (see like_pattern)."""


def like_pattern(text: str) -> str:
    """The pattern matching any value that contains text, LIKE's wildcards in it escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """Case-insensitive "column contains :q": ILIKE with the whole pattern as one parameter (so
    the planner sees it and picks the trigram index); bind like_pattern(text) as :q."""
    return column.ilike(bindparam(SEARCH_PARAMETER), escape="\\")
