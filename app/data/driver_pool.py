"""The pool of autocommit psycopg connections that read-only requests read through
(app.data.reading): psycopg's own `psycopg_pool.AsyncConnectionPool`, with this service's
settings, errors and metrics.

The library hands connections to waiters first come, first served, replaces a connection
returned broken or mid-query (and rolls back one left in a transaction), caps them at
DB_POOL_SIZE + DB_MAX_OVERFLOW, closes one left unused for 10 minutes and renews each after an
hour. Here: the pool opens on the first checkout and opens connections only on demand
(`min_size=0`); a failed connect is retried on the next demand rather than on a back-off
schedule (`reconnect_timeout=0`), so the pool recovers as soon as the database does; a
connection returned broken (the server restarted, or dropped it) makes the pool check its idle
ones, which were opened before the failure too and would each fail a request of their own. A
checkout that waits longer than DB_POOL_TIMEOUT_SECONDS - the pool full, or the database not
accepting connections - raises SQLAlchemy's pool TimeoutError, and any other pool error
SQLAlchemy's OperationalError, so both answer 503 like any other database outage.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol, cast

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyPoolTimeout

from app.data.fair_pool import PoolObserver

Connection = psycopg.AsyncConnection[Any]


class DriverPoolObserver(PoolObserver, Protocol):
    """Also told of each checkout and each return (app.observability.metrics.PoolMetrics):
    SQLAlchemy's pool reports those as events, this one to its observer."""

    def checked_out(self) -> None:
        """A connection was handed out."""

    def checked_in(self) -> None:
        """A connection handed out came back (kept or closed)."""


class DriverPool:
    """Autocommit psycopg connections, at most ``size`` open at once."""

    def __init__(
        self,
        url: URL,
        dialect: Dialect,
        *,
        size: int,
        timeout: float,
        connect_args: dict[str, Any],
        observer: DriverPoolObserver | None = None,
    ) -> None:
        _, params = dialect.create_connect_args(url)
        self.connect_kwargs: dict[str, Any] = {**params, **connect_args, "autocommit": True}
        """What each connection is opened with (the dialect's adapters included)."""
        self._dialect = dialect
        self.size = size
        self.timeout = timeout
        self.observer = observer
        self._pool = self._new_pool()
        self._open = False
        self._checking: asyncio.Task[None] | None = None

    def _new_pool(self) -> AsyncConnectionPool[Connection]:
        return AsyncConnectionPool(
            kwargs=self.connect_kwargs,
            min_size=0,
            max_size=self.size,
            open=False,
            name="reads",
            timeout=self.timeout,
            reconnect_timeout=0,
        )

    def stats(self) -> dict[str, int]:
        """The library's figures (pool_size: connections open or being opened, pool_available:
        idle ones, requests_waiting, connections_errors, returns_bad, ...)."""
        return self._pool.get_stats()

    async def acquire(self) -> Connection:
        """An idle connection, else the next one returned or opened, in arrival order."""
        if not self._open:
            await self._pool.open()
            self._open = True
        if self.observer is None:
            return await self._getconn()
        started = time.perf_counter()
        connection = await self._getconn()
        self.observer.waited(time.perf_counter() - started)
        self.observer.checked_out()
        return connection

    async def _getconn(self) -> Connection:
        try:
            return await self._pool.getconn()
        except PoolTimeout as error:
            raise SQLAlchemyPoolTimeout(
                f"no database connection free within {self.timeout:g} s ({self.size} at most)"
            ) from error
        except psycopg.Error as error:  # PoolClosed: a request outliving shutdown
            translated = DBAPIError.instance(
                None, None, error, psycopg.Error, hide_parameters=True, dialect=self._dialect
            )
            raise cast(BaseException, translated) from error

    async def release(self, connection: Connection) -> None:
        """Give back a connection `acquire` handed out. The pool closes one that broke or was
        left mid-query; one that broke makes it check the idle ones first.

        Returning an idle autocommit connection never suspends, so a request cancelled here
        cannot lose it; the check of the idle connections is shielded for the same reason."""
        if self.observer is not None:
            self.observer.checked_in()
        broken = connection.broken
        await self._pool.putconn(connection)
        if broken:
            if self._checking is None or self._checking.done():
                self._checking = asyncio.get_running_loop().create_task(self._pool.check())
            await asyncio.shield(self._checking)

    async def close(self) -> None:
        """Close every idle connection (at shutdown); a later checkout opens a new pool."""
        pool, self._pool, self._open = self._pool, self._new_pool(), False
        await pool.close()
