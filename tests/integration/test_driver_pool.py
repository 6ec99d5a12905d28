"""The driver pool (app.data.driver_pool) and the driver reader (app.data.reading) on a real
PostgreSQL: connections opened lazily, reused and capped at `size`, waiters served first come first
served,
timeouts, cancellations and failed connects leaving no slot or connection behind, unusable
connections replaced, and reads returning the same plain rows as SQLAlchemy would.

Runs only when TEST_DATABASE_URL names a PostgreSQL server; it only reads (`SELECT` of literals,
`pg_sleep`) and tells its own connections apart by application_name."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import String, bindparam, cast, false, func, literal, make_url, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeDecorator

from app.config.settings import Settings, normalize_database_url
from app.data import driver_pool as driver_pool_module
from app.data.database import Database, UTCDateTime
from app.data.driver_pool import Connection, DriverPool
from app.data.reading import CoreReader, DriverReader, _Compiled
from tests.live_server import free_port

URL = normalize_database_url(os.environ.get("TEST_DATABASE_URL", ""))

pytestmark = [
    pytest.mark.skipif(
        not URL.startswith("postgresql"), reason="TEST_DATABASE_URL is not a PostgreSQL URL"
    ),
    pytest.mark.timeout(30),
]

MakePool = Callable[..., DriverPool]


@pytest.fixture(scope="module")
async def dialect() -> AsyncIterator[Dialect]:
    engine = create_async_engine(URL)
    yield engine.dialect
    await engine.dispose()


@pytest.fixture
async def make_pool(dialect: Dialect) -> AsyncIterator[MakePool]:
    """Pools on the test database (or `port`), each with an application_name of its own; every
    idle connection closed afterwards."""
    made: list[DriverPool] = []

    def make(
        *, size: int = 1, timeout: float = 1.0, port: int | None = None, **connect_args: Any
    ) -> DriverPool:
        url = make_url(URL)
        if port is not None:
            url = url.set(host="127.0.0.1", port=port)
        connect_args = {
            "application_name": f"driver-pool-test-{uuid.uuid4().hex[:12]}",
            "connect_timeout": 5,
            **connect_args,
        }
        pool = DriverPool(url, dialect, size=size, timeout=timeout, connect_args=connect_args)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        await pool.close()
    await settle_closing()


async def settle_closing() -> None:
    """Wait for the connections the pool closes in the background."""
    await asyncio.gather(*list(driver_pool_module._closing))


@pytest.fixture
async def monitor() -> AsyncIterator[Connection]:
    """A connection of the test's own, outside every pool."""
    conninfo = make_url(URL).set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
        yield connection


def application_name(pool: DriverPool) -> str:
    name: str = pool._connect_args[1]["application_name"]
    return name


async def backends(monitor: Connection, pool: DriverPool) -> set[int]:
    """The process ids of the pool's server backends (pg_stat_activity)."""
    cursor = await monitor.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name(pool)]
    )
    return {row[0] for row in await cursor.fetchall()}


async def backends_once_settled(monitor: Connection, pool: DriverPool, count: int) -> set[int]:
    """The pool's backends once there are `count` of them (a closed one takes a moment to go)."""
    await settle_closing()
    for _ in range(150):  # 3 s at most
        found = await backends(monitor, pool)
        if len(found) == count:
            break
        await asyncio.sleep(0.02)
    return found


async def turns(steps: int) -> None:
    """Let the loop run a few rounds (tasks reach their waits)."""
    for _ in range(steps):
        await asyncio.sleep(0)


# --- the pool ------------------------------------------------------------------------------


async def test_connections_are_opened_lazily_reused_and_never_more_than_size(
    make_pool: MakePool, monitor: Connection
) -> None:
    pool = make_pool(size=2, timeout=5)
    assert await backends(monitor, pool) == set()  # nothing opened before the first acquire
    first = await pool.acquire()
    pool.release(first)
    again = await pool.acquire()
    assert again is first
    pool.release(again)
    assert await backends(monitor, pool) == {first.info.backend_pid}

    in_use = 0
    most = 0
    pids: set[int] = set()

    async def read() -> None:
        nonlocal in_use, most
        connection = await pool.acquire()
        in_use += 1
        most = max(most, in_use)
        pids.add(connection.info.backend_pid)
        await connection.execute("SELECT pg_sleep(0.02)")
        in_use -= 1
        pool.release(connection)

    await asyncio.gather(*(read() for _ in range(12)))
    assert most == 2
    assert len(pids) == 2
    assert await backends(monitor, pool) == pids


async def test_waiters_are_served_first_come_first_served(make_pool: MakePool) -> None:
    pool = make_pool(size=1, timeout=5)
    held = await pool.acquire()
    served: list[int] = []

    async def take(number: int) -> None:
        connection = await pool.acquire()
        assert connection is held
        served.append(number)
        await asyncio.sleep(0.01)
        pool.release(connection)

    waiters = []
    for number in range(4):
        waiters.append(asyncio.create_task(take(number)))
        await turns(3)
    pool.release(held)
    await take(4)  # arrives after the release: still behind every waiter
    await asyncio.gather(*waiters)
    assert served == [0, 1, 2, 3, 4]


async def test_a_waiter_that_times_out_raises_and_leaves_nothing_behind(
    make_pool: MakePool, monitor: Connection
) -> None:
    pool = make_pool(size=2, timeout=0.2)
    held = [await pool.acquire(), await pool.acquire()]
    started = time.monotonic()
    with pytest.raises(PoolTimeout):
        await pool.acquire()
    assert 0.15 < time.monotonic() - started < 2
    for connection in held:
        pool.release(connection)
    again = await asyncio.gather(pool.acquire(), pool.acquire())
    assert {id(c) for c in again} == {id(c) for c in held}
    with pytest.raises(PoolTimeout):  # still capped at two
        await pool.acquire()
    for connection in again:
        pool.release(connection)
    assert len(await backends(monitor, pool)) == 2


async def test_a_cancelled_waiter_leaks_nothing(make_pool: MakePool) -> None:
    pool = make_pool(size=1, timeout=5)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await turns(3)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not pool._waiters
    pool.release(held)  # not handed to the cancelled waiter: idle
    assert await asyncio.wait_for(pool.acquire(), 1) is held
    pool.release(held)


async def test_a_waiter_cancelled_as_it_is_handed_a_connection_passes_it_on(
    make_pool: MakePool, monitor: Connection
) -> None:
    pool = make_pool(size=1, timeout=0.3)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    await turns(3)
    second = asyncio.create_task(pool.acquire())
    await turns(3)
    pool.release(held)  # handed to `first`...
    first.cancel()  # ...which is cancelled before it runs
    results = await asyncio.gather(first, second, return_exceptions=True)
    got = [r for r in results if isinstance(r, psycopg.AsyncConnection)]
    assert got == [held]  # one of them has it (Python 3.11's wait_for may keep it for `first`)
    pool.release(held)
    assert await pool.acquire() is held
    pool.release(held)
    assert await backends(monitor, pool) == {held.info.backend_pid}


async def test_a_connection_left_in_a_transaction_is_closed_and_replaced(
    make_pool: MakePool, monitor: Connection
) -> None:
    pool = make_pool(size=1, timeout=1)
    left = await pool.acquire()
    left_pid = left.info.backend_pid
    await left.execute("BEGIN")
    pool.release(left)
    await settle_closing()
    assert left.closed
    fresh = await pool.acquire()
    assert fresh.info.backend_pid != left_pid
    await fresh.execute("SELECT 1")
    pool.release(fresh)
    assert await backends_once_settled(monitor, pool, 1) == {fresh.info.backend_pid}


async def test_a_reader_cancelled_mid_query_leaves_its_slot_usable(
    make_pool: MakePool, dialect: Dialect
) -> None:
    # What the request deadline leaves behind: a reader cancelled while its statement runs.
    # psycopg cancels the statement on the server; the pool keeps the connection if that left
    # it idle and replaces it otherwise: the next reader gets a working one either way.
    pool = make_pool(size=1, timeout=2)
    reader = DriverReader(pool, dialect)
    query = asyncio.create_task(reader.scalar(select(func.pg_sleep(5)), {}))
    await asyncio.sleep(0.2)
    query.cancel()
    with pytest.raises(asyncio.CancelledError):
        await query
    assert reader.holds_connection
    reader.release()
    reader = DriverReader(pool, dialect)
    assert await reader.scalar(select(literal(1).label("one")), {}) == 1
    reader.release()
    await settle_closing()
    assert pool._open == 1


async def test_the_room_of_a_closed_connection_goes_to_the_waiter_not_a_newcomer(
    make_pool: MakePool, monitor: Connection
) -> None:
    """Closing a connection gives its slot to the longest waiter; an acquire arriving before
    that waiter has run waits its turn instead of opening a connection beyond `size`."""
    pool = make_pool(size=1, timeout=2)
    left = await pool.acquire()
    await left.execute("BEGIN")
    waiter = asyncio.create_task(pool.acquire())
    await turns(3)
    pool.release(left)  # closed: room for `waiter`
    newcomer = asyncio.create_task(pool.acquire())
    opened = await waiter
    await asyncio.sleep(0.2)  # time enough to open a connection
    assert not newcomer.done()
    assert await backends_once_settled(monitor, pool, 1) == {opened.info.backend_pid}
    pool.release(opened)
    assert await newcomer is opened
    pool.release(opened)


async def test_a_broken_connection_is_closed_and_replaced(
    make_pool: MakePool, monitor: Connection, dialect: Dialect
) -> None:
    pool = make_pool(size=1, timeout=1)
    statement = select(literal(1).label("one"))
    reader = DriverReader(pool, dialect)
    assert await reader.scalar(statement, {}) == 1
    reader.release()
    (old_pid,) = await backends(monitor, pool)
    await monitor.execute("SELECT pg_terminate_backend(%s, 2000)", [old_pid])

    reader = DriverReader(pool, dialect)
    with pytest.raises(OperationalError) as raised:
        await reader.scalar(statement, {})
    assert raised.value.connection_invalidated
    reader.release()

    reader = DriverReader(pool, dialect)
    assert await reader.scalar(statement, {}) == 1
    reader.release()
    (new_pid,) = await backends_once_settled(monitor, pool, 1)
    assert new_pid != old_pid
    assert pool._open == 1


async def test_a_broken_connection_takes_the_idle_ones_with_it(
    make_pool: MakePool, monitor: Connection, dialect: Dialect
) -> None:
    # A restarted server leaves every pooled connection dead: after the first failure the rest
    # are dropped too, so the next request gets a new connection instead of a second 503.
    pool = make_pool(size=2, timeout=1)
    statement = select(literal(1).label("one"))
    first, second = DriverReader(pool, dialect), DriverReader(pool, dialect)
    assert await first.scalar(statement, {}) == await second.scalar(statement, {}) == 1
    first.release()
    second.release()
    old = await backends(monitor, pool)
    assert len(old) == 2
    for pid in old:
        await monitor.execute("SELECT pg_terminate_backend(%s, 2000)", [pid])

    failing = DriverReader(pool, dialect)
    with pytest.raises(OperationalError):
        await failing.scalar(statement, {})
    failing.release()
    assert not pool._idle

    fresh = DriverReader(pool, dialect)
    assert await fresh.scalar(statement, {}) == 1
    fresh.release()
    assert not (await backends_once_settled(monitor, pool, 1)) & old
    assert pool._open == 1


async def test_a_refused_connect_raises_operational_error_and_frees_its_slot(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, timeout=2, port=free_port())
    started = time.monotonic()
    results = await asyncio.gather(pool.acquire(), pool.acquire(), return_exceptions=True)
    assert [type(r) for r in results] == [OperationalError, OperationalError], results
    assert all(isinstance(r, OperationalError) and r.orig is not None for r in results)
    with pytest.raises(OperationalError):  # the slot is free again: a new attempt, no timeout
        await pool.acquire()
    assert time.monotonic() - started < 1.5
    assert pool._open == 0


async def test_a_connect_cancelled_midway_frees_its_slot(
    make_pool: MakePool, black_hole: int
) -> None:
    pool = make_pool(size=1, timeout=0.3, port=black_hole)
    connecting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.1)
    assert not connecting.done()
    connecting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await connecting
    assert pool._open == 0
    # The next acquire connects (and hangs on the silent server) rather than waiting for a slot
    # that will never come back and timing out.
    again = asyncio.create_task(pool.acquire())
    done, _ = await asyncio.wait({again}, timeout=pool.timeout + 0.3)
    again.cancel()
    assert not done, again.exception()
    with pytest.raises(asyncio.CancelledError):
        await again
    assert pool._open == 0


# --- the reader ----------------------------------------------------------------------------


class Shout(TypeDecorator[str]):
    """A type whose bind and result processors are visible in the values."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.upper()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value + "!"


ROWS = (
    select(
        literal(1).label("one"),
        bindparam("word", type_=Shout).label("shout"),
        bindparam("n", 5).label("n"),
        cast(literal("2024-05-01 12:00:00+02"), UTCDateTime).label("at"),
    )
    .select_from(func.generate_series(1, 3).alias("g"))
    .where(literal(True))
)


async def test_the_reader_returns_plain_rows_like_sqlalchemy(
    make_pool: MakePool, dialect: Dialect
) -> None:
    # The app's sessions run in UTC (app.data.database), so on PostgreSQL UTCDateTime needs no
    # result processor: timestamps written in another offset come back as aware UTC datetimes.
    pool = make_pool(size=1, options="-c TimeZone=UTC")
    reader = DriverReader(pool, dialect)
    rows = await reader.rows(ROWS, {"word": "hi", "n": 7})
    at = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    assert rows == [{"one": 1, "shout": "HI!", "n": 7, "at": at}] * 3
    assert rows[0]["at"].tzinfo is dt.UTC
    assert await reader.first(ROWS, {"word": "x"}) == {"one": 1, "shout": "X!", "n": 5, "at": at}
    assert await reader.scalar(ROWS, {"word": "x"}) == 1
    none = select(literal(1).label("one")).where(false())
    assert await reader.rows(none, {}) == []
    assert await reader.first(none, {}) is None
    assert await reader.scalar(none, {}) is None
    assert reader.holds_connection
    reader.release()
    assert not reader.holds_connection

    engine = create_async_engine(URL, connect_args={"options": "-c TimeZone=UTC"})
    try:
        async with engine.connect() as connection:

            async def on_connection() -> Any:
                return connection

            core = await CoreReader(on_connection).rows(ROWS, {"word": "hi", "n": 7})
    finally:
        await engine.dispose()
    assert core == rows


async def test_a_failing_statement_raises_operational_error_and_the_connection_is_reused(
    make_pool: MakePool, dialect: Dialect
) -> None:
    pool = make_pool(size=1, timeout=1, options="-c statement_timeout=100")
    reader = DriverReader(pool, dialect)
    started = time.monotonic()
    with pytest.raises(OperationalError) as raised:
        await reader.scalar(select(func.pg_sleep(2)), {})
    assert time.monotonic() - started < 1.5
    assert isinstance(raised.value.orig, psycopg.errors.QueryCanceled)
    assert not raised.value.connection_invalidated
    connection = reader._connection
    assert connection is not None
    reader.release()
    assert not reader.holds_connection

    reader = DriverReader(pool, dialect)
    assert await reader.scalar(select(literal(2).label("two")), {}) == 2
    assert reader._connection is connection  # back in the pool, usable: reused
    reader.release()


async def test_reads_on_a_connection_share_its_cursor_whatever_they_bind(
    make_pool: MakePool, dialect: Dialect
) -> None:
    # The cursor (and its transformer) kept with the connection must not carry one request's
    # dumpers or results into the next: the same statement bound to other types, another
    # statement, and a statement after a failed one each read what they should.
    pool = make_pool(size=1, options="-c statement_timeout=100")
    statement = select(bindparam("value").label("value"))
    seen = []
    for value in (1, "text", None, dt.date(2024, 5, 1), 2**40):
        reader = DriverReader(pool, dialect)  # a new request each time, the one connection
        assert await reader.scalar(statement, {"value": value}) == value
        assert reader._connection is not None
        seen.append(reader._connection.statements)
        reader.release()
    assert all(cursor is seen[0] for cursor in seen)

    reader = DriverReader(pool, dialect)
    with pytest.raises(OperationalError):
        await reader.scalar(select(func.pg_sleep(2)), {})
    assert (
        await reader.rows(ROWS, {"word": "hi"})
        == [{"one": 1, "shout": "HI!", "n": 5, "at": dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)}]
        * 3
    )
    assert await reader.scalar(statement, {"value": "again"}) == "again"
    reader.release()


async def test_each_statement_is_compiled_once(
    make_pool: MakePool, dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[object] = []
    original = _Compiled.of

    def counting(cls: type[_Compiled], statement: Any, on: Dialect) -> _Compiled:
        compiled.append(statement)
        return original(statement, on)

    monkeypatch.setattr(_Compiled, "of", classmethod(counting))
    statement = select(bindparam("n", type_=Shout).label("word"))
    pool = make_pool(size=1)
    for word in ("a", "b", "c"):
        reader = DriverReader(pool, dialect)  # a new reader (request) each time
        assert await reader.scalar(statement, {"n": word}) == word.upper() + "!"
        reader.release()
    other = select(literal(3).label("three"))
    reader = DriverReader(pool, dialect)
    assert await reader.scalar(other, {}) == 3
    reader.release()
    assert compiled == [statement, other]


def test_the_apps_driver_connections_run_in_utc() -> None:
    # What the reader's timestamps rely on (see the test above).
    settings = Settings(APP_ENV="development", DATABASE_URL=URL, SECRET_KEY="k" * 40)
    database = Database(settings)
    assert database.driver_pool is not None
    _, params = database.driver_pool._connect_args
    assert "-c TimeZone=UTC" in params["options"]
    assert params["autocommit"] is True


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "not prepared"])
async def test_db_prepared_statements_decides_for_the_reads_and_the_orm(prepared: bool) -> None:
    # Off, nothing is prepared on a connection, however often a statement runs (PgBouncer < 1.21
    # in transaction mode hands named statements on to other clients).
    settings = Settings(
        APP_ENV="development",
        DATABASE_URL=URL,
        SECRET_KEY="k" * 40,
        DB_PREPARED_STATEMENTS=prepared,
    )
    database = Database(settings)
    count = "SELECT count(*) FROM pg_prepared_statements"
    try:
        reader = database.driver_reader()
        for _ in range(10):
            assert await reader.scalar(select(literal(1).label("one")), {}) == 1
        assert reader._connection is not None
        cursor = await reader._connection.execute(count, prepare=False)
        assert await cursor.fetchone() == ((1,) if prepared else (0,))
        reader.release()
        async with database.engine.connect() as connection:
            for _ in range(10):
                assert await connection.scalar(text("SELECT 2")) == 2
            orm_prepared = await connection.scalar(text(count))
        assert (orm_prepared > 0) is prepared
    finally:
        await database.dispose()
