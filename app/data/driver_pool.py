"""The pool of autocommit psycopg connections that read-only requests read through
(app.data.reading).

Small on purpose: connections are opened on demand up to DB_POOL_SIZE + DB_MAX_OVERFLOW and then
kept (opening one costs PostgreSQL a backend process, so closing the overflow between bursts
only to open it again cost more than the query), handed to waiters first come, first served,
and a connection that broke or was left mid-query is closed instead of reused. A checkout that
waits longer than DB_POOL_TIMEOUT_SECONDS raises SQLAlchemy's pool TimeoutError and a failed
connect SQLAlchemy's OperationalError, so both answer 503 like any other database outage.

Why not psycopg's own `psycopg_pool.AsyncConnectionPool` (3.3.3): measured against this pool in
the same runs (scripts/bench/compare.py; docs/architecture.md, "Data access at scale"), it cost
10-19% more of the worker's CPU per read request with the default pool and up to 7% with a pool
of 2, and an acquire-query-release loop ran at 0.62-0.76 of this pool's rate (lower in 20 of 21
rounds): each checkout goes through its lock, a condition per waiter (with a task for its
timeout) and its statistics, where this one pops a deque or resolves one future. It would also
fail waiters only at DB_POOL_TIMEOUT_SECONDS when the database refuses connections (it connects
in a background task), where this one fails them at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Protocol, cast

import psycopg
from psycopg import pq
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.data.fair_pool import PoolObserver


class Connection(psycopg.AsyncConnection[Any]):
    """A pooled connection, with the one cursor its reads run on.

    psycopg's `connection.execute` makes a new cursor per statement, and with it a new map of
    adapters and a new transformer that looks up each parameter's dumper and each column's
    loader again. A cursor kept with its connection reuses its transformer when it runs the same
    SQL again (psycopg keeps it for the same query object), which a pool of readers running
    a few compiled statements does on nearly every request. A connection serves one request
    at a time, so its cursor is never shared.
    """

    _statements: psycopg.AsyncCursor[Any] | None = None

    @property
    def statements(self) -> psycopg.AsyncCursor[Any]:
        """The cursor this connection's reads run on."""
        if self._statements is None:
            self._statements = self.cursor()
        return self._statements


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
        args, params = dialect.create_connect_args(url)
        self._connect_args = (tuple(args), {**params, **connect_args, "autocommit": True})
        self._dialect = dialect
        self.size = size
        self.timeout = timeout
        self.observer = observer
        self._idle: deque[Connection] = deque()
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
        self._open = 0
        """Connections open or being opened, idle or checked out."""

    async def acquire(self) -> Connection:
        """An idle connection, a new one while under ``size``, else the next one released."""
        if self.observer is None:
            return await self._acquire()
        started = time.perf_counter()
        connection = await self._acquire()
        self.observer.waited(time.perf_counter() - started)
        self.observer.checked_out()
        return connection

    async def _acquire(self) -> Connection:
        if not self._waiters:
            if self._idle:
                return self._idle.pop()
            if self._open < self.size:
                return await self._connect()
        # The waiter's own timer rather than asyncio.wait_for, which wraps the future in one
        # more and wakes the request a loop turn later: under -c32 against 5 connections most
        # reads wait here.
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.timeout, _time_out, waiter)
        try:
            connection = await waiter
        except TimeoutError as error:
            raise PoolTimeout(
                f"no database connection free within {self.timeout:g} s ({self.size} in use)"
            ) from error
        except BaseException:
            self._pass_on(waiter)  # cancelled after being handed one
            raise
        finally:
            timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if connection is not None:
            return connection
        return await self._connect(reserved=True)  # a connection was closed: its slot is ours

    def _pass_on(self, waiter: asyncio.Future[Connection | None]) -> None:
        """A waiter gave up (cancelled) after being handed a connection: pass it on."""
        if waiter.done() and not waiter.cancelled():
            connection = waiter.result()
            if connection is None:
                self._free_slot()
            else:
                self._take_back(connection)

    async def _connect(self, *, reserved: bool = False) -> Connection:
        """A new connection in a slot of its own (``reserved``: handed over by `_free_slot`)."""
        if not reserved:
            self._open += 1
        args, params = self._connect_args
        try:
            return await Connection.connect(*args, **params)
        except BaseException as error:  # cancelled too: the slot must not stay taken
            self._free_slot()
            if not isinstance(error, psycopg.Error):
                raise
            translated = DBAPIError.instance(
                None, None, error, psycopg.Error, hide_parameters=True, dialect=self._dialect
            )
            raise cast(BaseException, translated) from error

    def release(self, connection: Connection) -> None:
        """Take back a connection `acquire` handed out: to the longest waiter, else idle; closed
        when unusable. One that broke (the server restarted, or dropped it) takes the idle ones
        with it: they were opened before the failure too, and would each fail a request of their
        own."""
        if self.observer is not None:
            self.observer.checked_in()
        self._take_back(connection)

    def _take_back(self, connection: Connection) -> None:
        usable = (
            not connection.closed
            and not connection.broken
            and connection.info.transaction_status == pq.TransactionStatus.IDLE
        )
        if not usable:
            if connection.broken:
                while self._idle:
                    self._discard(self._idle.pop())
            self._discard(connection)
            return
        if not self._wake(connection):
            self._idle.append(connection)

    def _wake(self, connection: Connection | None) -> bool:
        """Hand the connection (None: room for a new one) to the longest live waiter."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return True
        return False

    def _free_slot(self) -> None:
        """A connection closed or never opened: its slot goes to the longest live waiter (still
        counted in ``_open``, so no newcomer takes it before that waiter runs), else is free."""
        if not self._wake(None):
            self._open -= 1

    def _discard(self, connection: Connection) -> None:
        if not connection.closed:
            task = asyncio.get_running_loop().create_task(connection.close())
            _closing.add(task)
            task.add_done_callback(_closing.discard)
        self._free_slot()

    async def close(self) -> None:
        """Close every idle connection (at shutdown)."""
        while self._idle:
            connection = self._idle.pop()
            self._open -= 1
            await connection.close()


def _time_out(waiter: asyncio.Future[Connection | None]) -> None:
    """A waiter's time is up, unless it was handed a connection (or cancelled) first."""
    if not waiter.done():
        waiter.set_exception(TimeoutError())


_closing: set[asyncio.Task[None]] = set()
"""Connections being closed in the background, referenced until done."""
