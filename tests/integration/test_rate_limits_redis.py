"""The Redis rate limiter in one round trip per limited request (issue 21): the moving window's
two scripts go to Redis as one script call, with the same counts, headers and 429 as before and
on the same keys as `limits`' own calls, and the limiter recovers when Redis has lost its
script.

Round trips are counted at redis-py's connection (each one sends its packed commands once);
Redis itself is real."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from limits import parse
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
from redis.asyncio.connection import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.rate_limits import KEY_PREFIX, RateLimiter
from app.config.settings import Settings
from app.main import create_app
from tests.factories import auth_headers, make_user

ME = "/api/v1/users/me"


@asynccontextmanager
async def limited(settings: Settings, redis_url: str, limit: str) -> AsyncIterator[FastAPI]:
    """A started app whose signed-in calls are limited to ``limit`` in Redis."""
    app = create_app(
        Settings(
            **{
                **settings.model_dump(),
                "REDIS_URL": redis_url,
                "RATE_LIMIT_AUTHENTICATED": limit,
            }
        )
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times redis-py sent packed commands (one per round trip), as a growing list."""
    sent: list[int] = []
    send = Connection.send_packed_command

    async def counted(self: Connection, command: Any, check_health: bool = True) -> None:
        sent.append(1)
        await send(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    yield sent


async def test_a_limited_request_is_one_redis_round_trip(
    settings: Settings, redis_url: str, db: AsyncSession, round_trips: list[int]
) -> None:
    user = await make_user(db)
    async with limited(settings, redis_url, "4/minute") as app:
        headers = await auth_headers(app, user)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            # The first opens the connection (its handshake) and loads the scripts if needed.
            assert (await http.get(ME, headers=headers)).headers["RateLimit-Remaining"] == "3"
            answers = []
            for _ in range(4):
                round_trips.clear()
                response = await http.get(ME, headers=headers)
                answers.append(
                    (
                        response.status_code,
                        response.headers.get("RateLimit-Remaining"),
                        len(round_trips),
                    )
                )
    assert answers == [(200, "2", 1), (200, "1", 1), (200, "0", 1), (429, "0", 1)]


async def test_lost_scripts_are_loaded_again_and_counting_goes_on(
    settings: Settings, redis_url: str, db: AsyncSession, round_trips: list[int]
) -> None:
    user = await make_user(db)
    async with limited(settings, redis_url, "3/minute") as app:
        headers = await auth_headers(app, user)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            first = await http.get(ME, headers=headers)
            redis.Redis.from_url(redis_url).script_flush()
            second = await http.get(ME, headers=headers)
            round_trips.clear()
            third = await http.get(ME, headers=headers)
    remaining = [r.headers["RateLimit-Remaining"] for r in (first, second, third)]
    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert remaining == ["2", "1", "0"]
    assert len(round_trips) == 1  # pipelined again once the scripts are back


@asynccontextmanager
async def redis_limiter(settings: Settings, redis_url: str) -> AsyncIterator[RateLimiter]:
    """The app's limiter over Redis, closed afterwards."""
    limiter = RateLimiter(
        Settings(**{**settings.model_dump(), "REDIS_URL": redis_url, "RATE_LIMIT_ENABLED": True})
    )
    try:
        yield limiter
    finally:
        await limiter.close()


async def test_hits_count_with_the_librarys_own_calls_on_the_same_keys(
    settings: Settings, redis_url: str
) -> None:
    """One script per hit keeps `limits`' layout: an instance still counting with the library's
    own calls (a rolling deploy) shares every counter with this one."""
    library = AsyncMovingWindow(
        AsyncRedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=KEY_PREFIX)
    )
    item, user = parse("5/minute"), ("user", uuid.uuid4().hex)
    async with redis_limiter(settings, redis_url) as limiter:
        first = await limiter.hit(item, *user)
        assert await library.hit(item, *user)
        second = await limiter.hit(item, *user)
        _, remaining = await library.get_window_stats(item, *user)
        assert await library.hit(item, *user)
        third = await limiter.hit(item, *user)
        fourth = await limiter.hit(item, *user)
    await library.storage.bridge.storage.aclose()  # type: ignore[attr-defined]
    quotas = [(q.remaining, q.allowed) for q in (first, second, third, fourth) if q]
    assert quotas == [(4, True), (2, True), (0, True), (0, False)]
    assert remaining == 2
