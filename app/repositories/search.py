"""`q=` substring search, written so PostgreSQL's pg_trgm GIN indexes can serve it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute


def contains(column: InstrumentedAttribute[Any], text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text": ILIKE with the whole pattern as one parameter
    (so the planner sees it and picks the trigram index), LIKE wildcards in text escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
