"""More concurrent requests than pooled connections: every one is answered, none starves.

With SQLAlchemy's own asyncio pool, a connection returned to the pool could be taken by a
request arriving after the one it woke, so under a steady load above the pool's size some
requests waited until DB_POOL_TIMEOUT_SECONDS and got 503 (app.data.fair_pool)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.main import create_app
from tests.factories import auth_headers, make_user

CLIENTS = 32
REQUESTS_EACH = 40


async def test_a_small_pool_serves_many_clients_in_turn(
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

        async def keep_asking() -> None:
            for _ in range(REQUESTS_EACH):
                statuses.append((await client.get("/api/v1/users/me", headers=headers)).status_code)

        await asyncio.gather(*(keep_asking() for _ in range(CLIENTS)))
    await app.state.database.dispose()
    assert statuses.count(200) == CLIENTS * REQUESTS_EACH, sorted(set(statuses))
