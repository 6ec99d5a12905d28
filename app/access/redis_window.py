"""Hits on `limits`' Redis moving window: one script call per request, and the calls of
concurrent requests sent together (CoalescedHits).

`limits` counts a moving-window hit with two Lua scripts: acquire_moving_window (push the
request's timestamp unless the window is full) and moving_window (the oldest timestamp still in
the window and how many there are, for the RateLimit-* headers). MOVING_WINDOW_HIT runs both in
one EVALSHA: its text is `limits`' own two scripts, verbatim, each as a local function, called in
the order `limits` calls them, on the same key with the same arguments. So the data layout is
`limits`' by construction (a list of timestamps under `orgsites-ratelimit:<item key>`, trimmed
and expired by the library's own code), and instances still counting with the library's calls
(a rolling deploy) share the same counters; an upgrade of `limits` that changes its scripts
changes this one with them.

Why: two EVALSHA in one pipeline cost the worker two packed commands and two parsed replies
per request; one script call halves that and needs no pipeline. Measured (get one site, wrk
-c32, 1 worker, 3 interleaved rounds, load average 1.4-2.7): 667 us of CPU per request against
699 us for the two-script pipeline, limits off 537 us.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from limits.aio.storage.redis.bridge import RedisBridge
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

Counted = tuple[bool, float, int]
"""(allowed, when the window resets as a Unix time, requests left)."""

MOVING_WINDOW_HIT = (
    "local function acquire(KEYS, ARGV)\n"
    + RedisBridge.SCRIPT_ACQUIRE_MOVING_WINDOW.decode()
    + "\nend\nlocal function window(KEYS, ARGV)\n"
    + RedisBridge.SCRIPT_MOVING_WINDOW.decode()
    + "\nend\n"
    "local acquired = acquire(KEYS, {ARGV[1], ARGV[2], ARGV[3], ARGV[4]}) and 1 or 0\n"
    "local stats = window(KEYS, {ARGV[5], ARGV[2]})\n"
    "if stats then return {acquired, stats[1], stats[2]} end\n"
    "return {acquired}\n"
)
"""KEYS[1]: the prefixed key; ARGV: now, limit, expiry, amount (acquire_moving_window's), then
now - expiry (moving_window's first; its second is the limit). Returns {acquired (1 or 0),
the oldest timestamp in the window, how many are in it}, or {acquired} for an empty window
(a Lua table stops at its first nil)."""

HIT_SHA = hashlib.sha1(MOVING_WINDOW_HIT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
"""The name EVALSHA calls MOVING_WINDOW_HIT by."""


def hit_arguments(now: float, limit: int, expiry: int) -> tuple[float, int, int, int, float]:
    """MOVING_WINDOW_HIT's ARGV for one request counted at ``now``."""
    return now, limit, expiry, 1, now - expiry


def parse_hit(reply: list[bytes | int], now: float, limit: int, expiry: int) -> Counted:
    """What MOVING_WINDOW_HIT answered, as the storage's hit and get_window_stats would: whether
    the request was counted, when the window resets (its oldest entry's time plus the expiry,
    or now plus the expiry when empty) and how many requests are left in it."""
    if len(reply) < 3:
        return bool(reply[0]), now + expiry, limit
    return bool(reply[0]), float(reply[1]) + expiry, limit - int(reply[2])


@dataclass(frozen=True)
class _Hit:
    key: str
    now: float
    limit: int
    expiry: int
    answer: asyncio.Future[Counted]


class CoalescedHits:
    """MOVING_WINDOW_HIT for concurrent requests, written to Redis together.

    A hit is queued, and the first hit of a batch starts a task that lets the event loop turn
    once (asyncio.sleep(0)), so the requests ready in this turn and the next queue theirs too,
    then writes the whole batch at once and answers each hit from its own reply: every request
    still waits for one round trip, never for another batch. Hits queued while a batch is on
    the wire start the next one, on another pooled connection. A Redis error answers each hit
    of its batch with StorageError (the limiter then fails open); a script Redis has lost (a
    restart, SCRIPT FLUSH, its first use) is loaded and the batch sent again: none of it was
    counted.

    Why not redis-py alone: its pipeline is the supported way to send many commands in one
    round trip, but it needs them all in hand, and each request has only its own. What
    coalescing saves is per round trip: a pool checkout, a socket write (on this loopback, the
    largest single cost left) and read, and a wake-up of the event loop per reply. A batch is
    written on a pooled connection with redis-py's own send_packed_command and read_response
    (the calls its Pipeline makes), packed here (packed_hit, byte for byte redis-py's), not
    through a Pipeline, whose command stack, per-argument encoder, retry wrapper, response
    callbacks and reset cost about 20 us per request more.

    Measured (get one site, wrk -c32, 1 worker, interleaved rounds of 5 s, the worker's CPU per
    request, limits off in the same rounds):
    - one EVALSHA per request 694 us, coalesced per loop turn through a Pipeline 605 us, limits
      off 553 us (3 rounds, load average 2.2-3.3);
    - through a Pipeline 598 us, written as here 578 us, limits off 520 us (5 rounds, load
      average 2.1); about 5 hits per batch (Redis' EVALSHA calls over its socket reads);
    - waiting one more turn before writing: about 10 hits per batch, 533 us against 572 us
      without the wait, limits off 519 us (4 rounds, load average 1.3-2.2). A second extra
      turn made 11 per batch and measured within the noise of one (553 us against 579 us,
      limits off 534 us, load average 3.8), so the wait is one turn.
    """

    def __init__(
        self, client: Redis, errors: type[Exception] | tuple[type[Exception], ...]
    ) -> None:
        self._client = client
        self._errors = errors
        self._open: list[_Hit] | None = None
        """The batch that hits still join (its send has not written it yet)."""
        self._sending: set[asyncio.Task[None]] = set()

    async def hit(self, key: str, limit: int, expiry: int) -> Counted:
        """Count one request against the window at ``key``, with the hits of this turn."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Counted] = loop.create_future()
        if self._open is None:
            batch: list[_Hit] = []
            self._open = batch
            task = loop.create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(functools.partial(self._sent, batch))
        self._open.append(_Hit(key, time.time(), limit, expiry, answer))
        return await answer

    async def close(self) -> None:
        """Let the batches on the wire finish (each answers its requests)."""
        await asyncio.gather(*self._sending, return_exceptions=True)

    async def _send(self, batch: list[_Hit]) -> None:
        await asyncio.sleep(0)  # one more turn: the requests ready then join this batch
        self._seal(batch)
        try:
            replies = await self._replies(batch)
        except Exception as error:
            for hit in batch:
                if not hit.answer.done():
                    hit.answer.set_exception(self._storage_error(error))
            return
        for hit, reply in zip(batch, replies, strict=True):
            if hit.answer.done():  # the request went away
                continue
            if isinstance(reply, BaseException):
                hit.answer.set_exception(self._storage_error(reply))
            else:
                hit.answer.set_result(parse_hit(reply, hit.now, hit.limit, hit.expiry))

    def _seal(self, batch: list[_Hit]) -> None:
        """No more hits join ``batch``: the next one opens another."""
        if self._open is batch:
            self._open = None

    def _sent(self, batch: list[_Hit], task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._seal(batch)
        if task.cancelled():  # (shutdown) even before it started: so are its requests' waits
            for hit in batch:
                hit.answer.cancel()

    def _storage_error(self, error: BaseException) -> BaseException:
        return StorageError(error) if isinstance(error, self._errors) else error

    async def _replies(self, batch: list[_Hit]) -> list[Any]:
        """One reply or error per hit; the script loaded again when Redis lost it."""
        replies = await self._round_trip(batch)
        if any(isinstance(reply, NoScriptError) for reply in replies):
            await self._client.script_load(MOVING_WINDOW_HIT)
            replies = await self._round_trip(batch)
        return replies

    async def _round_trip(self, batch: list[_Hit]) -> list[Any]:
        """Every hit's EVALSHA written at once on one pooled connection, then each reply read
        in turn (a ResponseError is one hit's answer; the connection stays in step)."""
        pool = self._client.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(b"".join(map(packed_hit, batch)))
            replies: list[Any] = []
            for _ in batch:
                try:
                    replies.append(await connection.read_response())
                except ResponseError as error:
                    replies.append(error)
            return replies
        except BaseException:
            await connection.disconnect()  # never hand back a connection out of step
            raise
        finally:
            await pool.release(connection)


def packed_hit(hit: _Hit) -> bytes:
    """EVALSHA HIT_SHA 1 <key> <hit_arguments> in RESP, byte for byte as redis-py packs it
    (numbers as their repr), with the constant part encoded once."""
    now, limit, expiry, amount, start = hit_arguments(hit.now, hit.limit, hit.expiry)
    arguments = (
        hit.key.encode(),
        repr(now).encode(),
        b"%d" % limit,
        b"%d" % expiry,
        b"%d" % amount,
        repr(start).encode(),
    )
    return _PACKED_PREFIX + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in arguments)


_PACKED_PREFIX = b"*9\r\n$7\r\nEVALSHA\r\n$40\r\n" + HIT_SHA.encode() + b"\r\n$1\r\n1\r\n"
