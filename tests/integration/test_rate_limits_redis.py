"""The Redis rate limiter in one round trip per limited request (issue 21): the moving window's
two scripts go to Redis as one script call, with the same counts, headers and 429 as before and
on the same keys as `limits`' own calls, and the limiter recovers when Redis has lost its
script.

Round trips are counted at redis-py's connection (each one sends its packed commands once);
Redis itself is real."""

from __future__ import annotations

import asyncio
import logging
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


async def test_concurrent_hits_share_one_round_trip(
    settings: Settings, redis_url: str, round_trips: list[int]
) -> None:
    """The hits of requests running at once go to Redis as one pipeline, each counted in
    order and answered with its own window."""
    item = parse("3/minute")
    busy, others = ("user", uuid.uuid4().hex), [("user", uuid.uuid4().hex) for _ in range(4)]
    async with redis_limiter(settings, redis_url) as limiter:
        await limiter.hit(item, "user", uuid.uuid4().hex)  # opens the connection, loads the script
        round_trips.clear()
        quotas = await asyncio.gather(
            *(limiter.hit(item, *busy) for _ in range(5)),
            *(limiter.hit(item, *user) for user in others),
        )
    answers = [(q.remaining, q.allowed) if q else None for q in quotas]
    assert answers == [(2, True), (1, True), (0, True), (0, False), (0, False)] + [(2, True)] * 4
    assert len(round_trips) == 1


async def test_a_batch_sent_when_redis_lost_the_script_is_counted_once(
    settings: Settings, redis_url: str, round_trips: list[int]
) -> None:
    item, user = parse("10/minute"), ("user", uuid.uuid4().hex)
    async with redis_limiter(settings, redis_url) as limiter:
        await limiter.hit(item, *user)
        redis.Redis.from_url(redis_url).script_flush()
        round_trips.clear()
        quotas = await asyncio.gather(*(limiter.hit(item, *user) for _ in range(3)))
        sent_then = len(round_trips)
        after = await limiter.hit(item, *user)
    assert [q.remaining if q else None for q in (*quotas, after)] == [8, 7, 6, 5]
    assert sent_then == 3  # the pipeline refused, SCRIPT LOAD, the pipeline again


async def test_a_request_that_goes_away_leaves_the_others_of_its_batch_answered(
    settings: Settings, redis_url: str
) -> None:
    item, user = parse("10/minute"), ("user", uuid.uuid4().hex)
    async with redis_limiter(settings, redis_url) as limiter:
        await limiter.hit(item, "user", uuid.uuid4().hex)
        hits = [asyncio.create_task(limiter.hit(item, *user)) for _ in range(3)]
        await asyncio.sleep(0)  # each has queued its hit
        hits[0].cancel()
        answered = await asyncio.gather(*hits[1:])
    assert [q.remaining if q else None for q in answered] == [8, 7]  # the first was sent too


async def test_every_hit_of_a_batch_fails_open_when_redis_does_not_answer(
    settings: Settings, black_hole: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.access.rate_limits")
    async with redis_limiter(settings, f"redis://127.0.0.1:{black_hole}/0") as limiter:
        quotas = await asyncio.gather(
            *(limiter.hit(parse("1/minute"), "user", "x") for _ in range(4))
        )
    assert quotas == [None] * 4
    warnings = [r for r in caplog.records if "not limited" in r.getMessage()]
    assert len(warnings) == 1
