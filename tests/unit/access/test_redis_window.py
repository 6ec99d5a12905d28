"""The moving-window hit script's arguments, replies and wire form (app.access.redis_window)."""

from __future__ import annotations

import asyncio

from limits.aio.storage.redis.bridge import RedisBridge
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import RedisError

from app.access.redis_window import (
    HIT_SHA,
    MOVING_WINDOW_HIT,
    CoalescedHits,
    _Hit,
    hit_arguments,
    packed_hit,
    parse_hit,
)


def test_the_script_is_limits_own_two_scripts() -> None:
    assert RedisBridge.SCRIPT_ACQUIRE_MOVING_WINDOW.decode() in MOVING_WINDOW_HIT
    assert RedisBridge.SCRIPT_MOVING_WINDOW.decode() in MOVING_WINDOW_HIT


async def test_a_hit_is_packed_byte_for_byte_as_redis_py_packs_it() -> None:
    answer: asyncio.Future[tuple[bool, float, int]] = asyncio.get_running_loop().create_future()
    hit = _Hit("orgsites-ratelimit:LIMITER/user/é/5/1/minute", 1796676613.3493822, 5, 60, answer)
    arguments = hit_arguments(hit.now, hit.limit, hit.expiry)
    redis_py = Connection().pack_command("EVALSHA", HIT_SHA, 1, hit.key, *arguments)
    assert packed_hit(hit) == b"".join(redis_py)


def test_a_reply_reads_as_the_storages_hit_and_window_stats() -> None:
    assert parse_hit([1, b"1000.5", 2], 1010.0, 5, 60) == (True, 1060.5, 3)
    assert parse_hit([0, b"1000.5", 5], 1010.0, 5, 60) == (False, 1060.5, 0)
    assert parse_hit([0], 1010.0, 0, 60) == (False, 1070.0, 0)  # an empty window


async def test_a_send_cancelled_before_it_writes_leaves_no_request_waiting() -> None:
    hits = CoalescedHits(Redis(), RedisError)  # never reached: cancelled first
    waiting = [asyncio.ensure_future(hits.hit(f"key-{n}", 5, 60)) for n in range(3)]
    await asyncio.sleep(0)  # each has queued its hit, and the send is scheduled
    for send in list(hits._sending):
        send.cancel()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    waiting = [asyncio.ensure_future(hits.hit("key", 5, 60))]
    await asyncio.sleep(0)
    assert len(hits._sending) == 1, "the next hit starts a send of its own"
    for send in list(hits._sending):
        send.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
