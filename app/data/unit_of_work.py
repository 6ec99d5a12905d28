"""The unit of work of one request: its database work, committed or rolled back in one place.

Nothing is opened until first used, so requests that never touch the database (liveness) open
nothing. Read-only operations (GET) run in autocommit mode: no BEGIN and no COMMIT round trip;
on PostgreSQL their Core reads run on the pooled psycopg connection itself (app.data.reading).
Writing operations run in exactly one transaction, which `finish` commits after the handler has
returned and its response has been serialized, and before anything is sent. A request holds at
most one connection at a time; a sign-in holds none while it waits to hash (`release`).

A unit of work that PostgreSQL ends with a deadlock or a serialization failure (SQLSTATE 40P01,
40001) did nothing; `with_retries` runs the request again from the start (authorization
included, the rate limit not counted twice), a bounded number of times after a short random
delay, and answers 409 `conflict_retry` when the collisions persist. `database_unavailable` is
kept for a database that cannot serve.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.data.database import Database
from app.data.guarded import CallerCheck, GuardedReader, check_alone
from app.data.reading import CoreReader, DriverReader, Reader
from app.data.versions import VersionLedger
from app.domain.errors import DomainError, WriteConflict

T = TypeVar("T")
logger = logging.getLogger(__name__)
TRANSACTION_CONFLICTS = {"40P01": "deadlock", "40001": "serialization failure"}
"""SQLSTATEs of a transaction the database rolled back because of concurrent ones."""
ATTEMPTS = 3
"""How many times a unit of work runs before its collisions are answered 409."""
RETRY_DELAY_SECONDS = 0.05
"""The first retry waits a random delay up to this, each further one up to twice the last."""


def transaction_conflict(error: BaseException) -> str | None:
    """What the database called the error when it is a deadlock or a serialization failure."""
    if isinstance(error, DBAPIError):
        return TRANSACTION_CONFLICTS.get(str(getattr(error.orig, "sqlstate", None)))
    return None


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    delay_seconds: float = RETRY_DELAY_SECONDS,
) -> T:
    """Run ``attempt`` (a whole unit of work: it rolls back whatever fails) until it does not
    end in a transaction conflict, at most ``attempts`` times, waiting a random delay (full
    jitter, doubling) between tries; raise WriteConflict when the last try collides too."""
    for number in range(1, attempts + 1):
        try:
            return await attempt()
        except DBAPIError as error:
            conflict = transaction_conflict(error)
            if conflict is None:
                raise
            if number == attempts:
                logger.warning("%s in attempt %d of %d; answering 409", conflict, number, attempts)
                raise WriteConflict() from error
            delay = random.uniform(0, delay_seconds * 2 ** (number - 1))  # noqa: S311 - jitter
            logger.warning(
                "%s in attempt %d of %d; retrying in %.3f s", conflict, number, attempts, delay
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


class UnitOfWork:
    """One request's database work."""

    def __init__(self, database: Database, *, read_only: bool) -> None:
        self.database = database
        self.read_only = read_only
        self._session: AsyncSession | None = None
        self._driver: DriverReader | None = None
        self.versions = VersionLedger()
        """The resource versions its repositories saw (app.data.versions)."""
        self.pending: CallerCheck | None = None
        """The caller check of a read, left by the guard for the first statement to carry
        (app.data.guarded); None once run, and for writes (checked before the handler)."""

    def _take_pending(self) -> CallerCheck | None:
        pending, self.pending = self.pending, None
        return pending

    async def check_caller(self) -> None:
        """Run the pending caller check on its own, if no statement carried it: before a read's
        answer leaves (the handler read nothing, or failed first), so a refused caller gets its
        refusal and nothing else."""
        check = self._take_pending()
        if check is not None:
            await check_alone(self.reader, check)

    @property
    def session(self) -> AsyncSession:
        """The request's ORM session, opened on first use."""
        if self.pending is not None:
            raise RuntimeError(
                "the caller check is pending: read through the reader (which carries it), or "
                "await check_caller() before opening a session"
            )
        if self._driver is not None and self._driver.holds_connection:
            raise RuntimeError(
                "a read-only request reads through its reader: opening a session now would "
                "hold a second connection"
            )
        if self._session is None:
            factory = self.database.reading if self.read_only else self.database.writing
            self._session = factory()
        return self._session

    @property
    def reader(self) -> Reader:
        """Where the request's Core reads run: the driver connection of a read-only request on
        PostgreSQL (until an ORM session is opened), else the session's connection; while the
        caller check is pending, its first statement carries the check."""
        reader = self._plain_reader()
        if self.pending is not None:
            return GuardedReader(reader, self._take_pending)
        return reader

    def _plain_reader(self) -> Reader:
        if self._session is None and self.read_only and self.database.driver_reads:
            if self._driver is None:
                self._driver = self.database.driver_reader()
            return self._driver
        return CoreReader(self._session_connection)

    async def _session_connection(self) -> AsyncConnection:
        if self._driver is not None:  # hand its connection back before the session takes one
            driver, self._driver = self._driver, None
            driver.release()
        return await self.session.connection()

    async def release(self) -> None:
        """Hand the request's connection back to the pool between its reads and its writes, so it
        holds none while it waits for something that is not the database (a password-hashing
        slot). What was read stays read; the next statement opens a new transaction. Only
        before the first write: anything written and not yet committed is rolled back."""
        driver, self._driver = self._driver, None
        session, self._session = self._session, None
        try:
            if driver is not None:
                driver.release()
        finally:
            if session is not None:
                await session.close()

    async def finish(self, error: BaseException | None) -> None:
        """Commit when the request succeeded (or failed with a DomainError that `commits`),
        otherwise roll back; then release the connection. The only commit of a request."""
        driver, self._driver = self._driver, None
        session, self._session = self._session, None
        try:
            if driver is not None:
                driver.release()
        finally:
            if session is not None:
                await self._end(session, error)

    async def _end(self, session: AsyncSession, error: BaseException | None) -> None:
        try:
            keep = error is None or (isinstance(error, DomainError) and error.commits)
            if keep and not self.read_only and session.in_transaction():
                await session.commit()
        finally:
            await session.close()
