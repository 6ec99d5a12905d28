"""Migrations and models agree: autogenerate against the migrated test database finds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection

from app.data.database import Base, Database
from app.data.migrations import exists_on, head_revision
from tests.conftest import alembic_config


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_object": exists_on(connection.dialect.name)},
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_database_is_at_head(database: Database) -> None:
    assert await database.current_revision() == head_revision()


def test_downgrade_and_upgrade_round_trip(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    command.upgrade(config, "head")
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    engine.dispose()
