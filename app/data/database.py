"""Database access: the declarative base, column types, and the engine/session factory."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, MetaData, event, make_url, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from app.config.settings import Settings
from app.data.driver_pool import DriverPool
from app.data.fair_pool import FairAsyncQueuePool, ObservedPool
from app.data.reading import DriverReader
from app.observability.metrics import Metrics

if TYPE_CHECKING:
    from app.observability.tracing_db import QuerySpans

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM class; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def same_as_created_at(context: Any) -> dt.datetime:
    """Column default for updated_at: exactly the row's created_at on insert."""
    created_at: dt.datetime = context.get_current_parameters()["created_at"]
    return created_at


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use app.data.database.utcnow()")
        return value.astimezone(dt.UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """None on PostgreSQL: its sessions run in UTC (see _engine_options), so psycopg already
        returns aware UTC datetimes and a page of rows skips a call per value."""
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None or value.tzinfo is dt.UTC:
            return value  # PostgreSQL sessions run in UTC (see _engine_options)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def ensure_sqlite_directory(url: str) -> None:
    """Create the parent directory of a SQLite database file (no-op for other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _engine_options(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        options: dict[str, Any] = {"connect_args": {"timeout": 30}}
        if make_url(settings.DATABASE_URL).database not in (None, "", ":memory:"):
            options["poolclass"] = ObservedPool  # SQLAlchemy's own choice, with checkout timing
        return options
    # Bounded waits, so an outage answers 503 quickly: connecting, waiting for a pooled
    # connection, and each statement on the server (a frozen server honours none of these; the
    # request deadline in app.edge.deadline covers that case). No pool_pre_ping (a round trip before
    # every request): the first statement on a connection a restart closed fails as a
    # disconnect, that request gets 503, and SQLAlchemy replaces every connection older than the
    # failure, so the service recovers by itself.
    statement_ms = round(settings.DB_STATEMENT_TIMEOUT_SECONDS * 1000)
    connect_args: dict[str, Any] = {
        "connect_timeout": settings.DB_CONNECT_TIMEOUT_SECONDS,
        # TimeZone=UTC: timestamps arrive already in UTC, nothing to convert per row.
        "options": f"-c statement_timeout={statement_ms} -c TimeZone=UTC",
    }
    if not settings.DB_PREPARED_STATEMENTS:
        # psycopg prepares a statement run 5 times on a connection (the ORM's writes too); named
        # statements outlive the transaction, which PgBouncer < 1.21 in transaction mode hands on
        # to other clients' transactions (DuplicatePreparedStatement). None: never.
        connect_args["prepare_threshold"] = None
    return {
        "poolclass": FairAsyncQueuePool,
        "pool_size": settings.DB_POOL_SIZE,
        "max_overflow": settings.DB_MAX_OVERFLOW,
        "pool_timeout": settings.DB_POOL_TIMEOUT_SECONDS,
        "connect_args": connect_args,
    }


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WRITE_TRANSACTION = {"write_transaction": True}
"""Execution option of the unit of work's writing sessions."""


def _begin_sqlite_write_immediately(connection: Connection) -> None:
    """On SQLite, a writing unit of work takes the database's write lock when it begins.

    pysqlite begins a transaction only before the first INSERT/UPDATE/DELETE, so a request's
    reads (the owner count, the refresh token) would not be in its transaction, and
    `SELECT ... FOR UPDATE` does not exist in SQLite: two requests could both read "two owners"
    and both demote one. `BEGIN IMMEDIATE` makes writing transactions run one at a time, across
    processes too; the others wait for the lock (the connection's busy timeout). Reads never
    take it (they run in autocommit mode), nor do the plain sessions of tests and start-up.
    """
    if connection.get_execution_options().get("write_transaction"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engines and session factories of one database."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        ensure_sqlite_directory(settings.DATABASE_URL)
        self.engine: AsyncEngine = self._create_engine(settings)
        if settings.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
            event.listen(self.engine.sync_engine, "begin", _begin_sqlite_write_immediately)
        # Reads in autocommit on the same pool. On PostgreSQL read-only requests read through the
        # driver pool below, so this serves only an ORM session a read-only handler might open.
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.writing = async_sessionmaker(
            self.engine.execution_options(**WRITE_TRANSACTION),
            expire_on_commit=False,
            autoflush=False,
        )
        """Sessions of writing requests: one transaction, committed once by the unit of work."""
        self.reading = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        """Sessions of read-only requests: no BEGIN, no COMMIT, one round trip per query."""
        self.driver_pool: DriverPool | None = None
        """On PostgreSQL, the autocommit connections read-only requests read through."""
        if not settings.is_sqlite:
            self.driver_pool = DriverPool(
                make_url(settings.DATABASE_URL),
                self.read_engine.dialect,
                size=self.driver_pool_size(settings),
                timeout=settings.DB_POOL_TIMEOUT_SECONDS,
                connect_args=_engine_options(settings)["connect_args"],
                observer=metrics.pool("reads", size=self.driver_pool_size(settings))
                if metrics
                else None,
            )
        self.prepared_statements = settings.DB_PREPARED_STATEMENTS
        """Whether driver reads run as server-side prepared statements."""
        self.query_spans: QuerySpans | None = None
        """The spans of the driver reads when tracing is on (app.observability.tracing_db)."""
        if metrics is not None:
            self._observe(metrics)

    @staticmethod
    def driver_pool_size(settings: Settings) -> int:
        """How many connections the driver pool may open."""
        return settings.DB_POOL_SIZE + settings.DB_MAX_OVERFLOW

    def _observe(self, metrics: Metrics) -> None:
        """Report the ORM pool's size, connections out and checkout times to ``metrics``."""
        pool = self.engine.sync_engine.pool
        size = pool.size() + max(0, pool._max_overflow) if isinstance(pool, QueuePool) else 1
        observed = metrics.pool("orm", size=size)
        if isinstance(pool, ObservedPool):
            pool.observer = observed
        event.listen(self.engine.sync_engine, "checkout", observed.checked_out)
        event.listen(self.engine.sync_engine, "checkin", observed.checked_in)

    @property
    def driver_reads(self) -> bool:
        """Whether read-only requests run their Core reads on the driver (app.data.reading)."""
        return self.driver_pool is not None

    def driver_reader(self) -> DriverReader:
        """A reader on a connection of the driver pool, checked out on first use."""
        if self.driver_pool is None:
            raise RuntimeError("driver reads are for PostgreSQL")
        return DriverReader(
            self.driver_pool,
            self.read_engine.dialect,
            self.query_spans,
            prepare=self.prepared_statements,
        )

    @staticmethod
    def _create_engine(settings: Settings, **options: Any) -> AsyncEngine:
        return create_async_engine(
            settings.DATABASE_URL,
            echo=settings.DB_ECHO,
            # Statement parameters (emails, password hashes, token ids) never reach an error
            # message, a traceback or the echo log.
            hide_parameters=True,
            **_engine_options(settings),
            **options,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; the caller commits, anything else is rolled back on close."""
        async with self.sessions() as session:
            yield session

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def current_revision(self) -> str | None:
        """The alembic revision the schema is at; None when not migrated."""
        async with self.engine.connect() as connection:
            try:
                revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:
                return None
        return str(revision) if revision is not None else None

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.driver_pool is not None:
            await self.driver_pool.close()
