"""The ORM's pool on PostgreSQL (app.data.fair_pool.FairAsyncQueuePool) hands a returned
connection to the longest waiter, where SQLAlchemy's own asyncio pool lets a newcomer take it
(https://github.com/sqlalchemy/sqlalchemy/issues/7679): the woken waiter then queues again at the
back, and under a steady load above the pool's size some requests wait until
DB_POOL_TIMEOUT_SECONDS and get 503. Writes run on this pool (reads on PostgreSQL run on the
driver pool); with `AsyncAdaptedQueuePool` the request test below got 14 of 320 answered 503.

The first test also pins SQLAlchemy's behaviour: when an upgrade makes its own pool fair, it
fails, and app/data/fair_pool.py can go."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool

from app.config.settings import Settings
from app.data.fair_pool import FairAsyncQueuePool
from app.main import create_app
from tests.factories import auth_headers, make_user

pytestmark = pytest.mark.timeout(60)

CLIENTS = 16
REQUESTS_EACH = 20


async def served(settings: Settings, poolclass: type[Pool]) -> list[str]:
    """Who gets a one-connection pool's connection when it is returned while one task waits
    for it and another asks for it before the waiter has run."""
    engine = create_async_engine(
        settings.DATABASE_URL, poolclass=poolclass, pool_size=1, max_overflow=0, pool_timeout=10
    )
    order: list[str] = []

    async def take(name: str) -> None:
        async with engine.connect() as connection:
            order.append(name)
            await connection.execute(text("SELECT 1"))

    try:
        held = await engine.connect()
        waiter = asyncio.create_task(take("waiter"))
        for _ in range(5):
            await asyncio.sleep(0)  # the waiter is queued
        await held.close()  # wakes the waiter...
        await take("newcomer")  # ...which has not run yet when this one asks
        await waiter
    finally:
        await engine.dispose()
    return order


async def test_a_returned_connection_goes_to_the_waiter_not_a_newcomer(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("the fair pool is PostgreSQL's (SQLite keeps SQLAlchemy's default pool)")
    assert await served(settings, FairAsyncQueuePool) == ["waiter", "newcomer"]
    assert await served(settings, AsyncAdaptedQueuePool) == ["newcomer", "waiter"], (
        "SQLAlchemy's own asyncio pool now serves waiters first: app.data.fair_pool can go"
    )


async def test_a_small_pool_serves_many_writing_clients_in_turn(
    settings: Settings, db: AsyncSession
) -> None:
    if settings.is_sqlite:
        pytest.skip("the fair pool is PostgreSQL's (SQLite keeps SQLAlchemy's default pool)")
    tight = settings.model_copy(
        update={"DB_POOL_SIZE": 1, "DB_MAX_OVERFLOW": 0, "DB_POOL_TIMEOUT_SECONDS": 2.0}
    )
    app = create_app(tight)
    user = await make_user(db)
    await db.commit()
    headers = await auth_headers(app, user)
    statuses: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        async def keep_writing(number: int) -> None:
            for turn in range(REQUESTS_EACH):
                response = await client.patch(
                    "/api/v1/users/me",
                    headers=headers,
                    json={"full_name": f"Writer {number}.{turn}"},
                )
                statuses.append(response.status_code)

        await asyncio.gather(*(keep_writing(number) for number in range(CLIENTS)))
    await app.state.database.dispose()
    assert statuses.count(200) == CLIENTS * REQUESTS_EACH, {s: statuses.count(s) for s in statuses}
