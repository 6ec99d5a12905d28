"""Trigram indexes for `q=` substring search: GIN with pg_trgm on PostgreSQL, none on SQLite."""

from __future__ import annotations

from sqlalchemy import Index


def trigram_index(table: str, column: str) -> Index:
    """A pg_trgm GIN index serving `column ILIKE '%...%'`; skipped on other databases, which
    fall back to scanning (see docs/architecture.md, "Data access at scale")."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")
