"""The version counter of every resource table: the source of its ETag (app.contract.preconditions).

Each row starts at 1 and goes up by one in the same UPDATE that changes it: the ORM does it for
the models that map the column as their `version_id_col` (its UPDATE and DELETE also name the
version they read, so a stale write fails instead of overwriting), and Core statements of the
repositories (sites) add `version = version + 1` themselves.
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column


def version_column() -> Mapped[int]:
    """`version INTEGER NOT NULL DEFAULT 1` (migration 0005)."""
    return mapped_column(Integer, nullable=False, default=1, server_default="1")
