"""Alembic environment: async migrations for SQLite and PostgreSQL from the app's models."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import app.data.models  # noqa: F401 - registers every table
from app.config.settings import Settings, normalize_database_url
from app.data.database import Base, UTCDateTime, ensure_sqlite_directory
from app.data.migrations import exists_on

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """`-x url=...`, else a URL set on the config by code (tests), else DATABASE_URL."""
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    return normalize_database_url(url) if url else Settings().DATABASE_URL


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render UTCDateTime as the plain column type it stores, so migrations never import app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        include_object=exists_on(connection.dialect.name),
    )


def run_sync_migrations(connection: Connection) -> None:
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    url = database_url()
    ensure_sqlite_directory(url)
    # Each statement runs once: psycopg's prepared statements would gain nothing, and one left on
    # a server connection of PgBouncer < 1.21 in transaction mode would meet another client.
    options: dict[str, Any] = {}
    if make_url(url).get_driver_name() == "psycopg":
        options["connect_args"] = {"prepare_threshold": None}
    engine = create_async_engine(url, **options)
    async with engine.connect() as connection:
        await connection.run_sync(run_sync_migrations)
    await engine.dispose()


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_async_migrations())
