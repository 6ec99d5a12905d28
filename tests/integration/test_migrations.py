"""Migrations and models agree: autogenerate against the migrated test database finds nothing."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from app.db import Base, Database
from app.migrations import head_revision


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_database_is_at_head(database: Database) -> None:
    assert await database.current_revision() == head_revision()
