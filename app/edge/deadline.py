"""A client-side bound on waiting for the database.

statement_timeout, connect_timeout and the pool timeout bound a database that answers slowly or
not at all, but a frozen server (SIGSTOP, a stalled VM, a network black hole) honours none of
them, and cancelling a psycopg query waits up to 10 s more while psycopg tries to cancel it on
the server. So past the deadline the caller gets its answer at once from a task of its own, and
the request's task is cancelled and left to wind down in the background (`Deadline`, used by
app.edge.middleware for every request; app.data.bounded_wait for a single wait).

The database is the only thing a request waits on (Redis calls have their own 0.5 s bound and
fail open; password hashing is bounded CPU work), so a request past its deadline is answered
503 `database_unavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import weakref
from typing import ClassVar, Protocol, TypeVar

from starlette.types import Scope, Send

from app.data.bounded_wait import abandon, forget
from app.edge.problems import (
    DATABASE_UNAVAILABLE_DETAIL,
    database_unavailable_headers,
    send_problem,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Watched(Protocol):
    """What the deadline reads and marks of the request it watches."""

    request_id: str
    abandoned: bool
    """Set by the deadline when it answered 503 in the request's place."""

    @property
    def started(self) -> bool:
        """Whether the response has started (then the deadline no longer applies)."""


class Deadline:
    """The timer of one request: at REQUEST_TIMEOUT_SECONDS, unless its response has started, it
    answers 503 `database_unavailable` (with Retry-After) at once and cancels the request's task,
    which winds down in the background with its later messages dropped.

    Not a timer (let alone a task) per request: requests whose deadlines fall within the same
    slot of `_Slots` share one timer, so a request that ends in time costs a set insertion and
    removal (app.edge.deadline._Slots has the measurement), and only one that overruns pays for
    anything more.
    """

    def __init__(self, scope: Scope, watched: Watched, send: Send, seconds: float) -> None:
        self.scope = scope
        self.watched = watched
        self.send = send
        self.seconds = seconds
        self.task = asyncio.current_task()
        self.answer: asyncio.Task[None] | None = None
        # The task's own loop: on Python 3.11 each look-up of the running loop is a getpid()
        # system call, and current_task() has made one already.
        loop = self.task.get_loop() if self.task is not None else asyncio.get_running_loop()
        self.group = _Slots.of(seconds, loop).add(self)

    @classmethod
    def start(cls, seconds: float, scope: Scope, watched: Watched, send: Send) -> Deadline:
        """Start the deadline of the request being served in the current task."""
        return cls(scope, watched, send, seconds)

    def cancel(self) -> None:
        """The request ended: its deadline will not fire."""
        self.group.discard(self)

    def _expire(self) -> None:
        if self.watched.started:
            return  # the response is on its way
        self.watched.abandoned = True
        logger.warning(
            "request %s (%s %s) got no database answer within %s s; answered 503",
            self.watched.request_id,
            self.scope["method"],
            self.scope["path"],
            self.seconds,
        )
        self.answer = asyncio.get_running_loop().create_task(
            send_problem(
                self.scope,
                self.send,
                status=503,
                code="database_unavailable",
                detail=DATABASE_UNAVAILABLE_DETAIL,
                headers=database_unavailable_headers(),
            )
        )
        if self.task is not None:
            abandon(self.task)

    async def wound_down(self, error: BaseException) -> None:
        """The abandoned request ended with ``error``: make sure the 503 went out. Its task is
        no longer one to wait for at shutdown."""
        if self.task is not None:
            forget(self.task)
        if isinstance(error, asyncio.CancelledError) and self.task is not None:
            self.task.uncancel()
        else:
            logger.info("abandoned request ended with %s", type(error).__name__)
        if self.answer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self.answer)


MAX_LATENESS_SECONDS = 0.05
"""How much later than its deadline a request may be answered 503 (a slot's width)."""


class _Slots:
    """The deadlines of one event loop's requests, grouped by when they fall: into slots of
    MAX_LATENESS_SECONDS (at most 1/20 of the deadline), one timer per slot, which expires every
    request of its slot still running. A deadline fires between its time and one slot later.

    Measured in-process (uvloop, 100000 starts and cancels, load average 1.4): a uvloop timer per
    request cost 5.4 us to start and cancel (a TimerHandle, a libuv timer, its close); a set
    insertion and removal in a shared slot costs about 1 us. On a read of about 500 us of CPU
    that is 1% of the worker's CPU per request.
    """

    _of: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, _Slots]]] = (
        weakref.WeakKeyDictionary()
    )

    _last: ClassVar[tuple[asyncio.AbstractEventLoop | None, dict[float, _Slots]]] = (None, {})
    """The loop `of` was last asked for, and its slots (one loop serves a process's requests)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        self.loop = loop
        self.seconds = seconds
        self.width = min(MAX_LATENESS_SECONDS, seconds / 20)
        self.groups: dict[int, set[Deadline]] = {}

    @classmethod
    def of(cls, seconds: float, loop: asyncio.AbstractEventLoop | None = None) -> _Slots:
        """The slots of the loop's deadlines of this length (by default the running loop's)."""
        loop = loop or asyncio.get_running_loop()
        last_loop, by_length = cls._last
        if last_loop is not loop:
            by_length = cls._of.setdefault(loop, {})
            cls._last = (loop, by_length)
        slots = by_length.get(seconds)
        if slots is None:
            slots = by_length[seconds] = cls(loop, seconds)
        return slots

    def add(self, deadline: Deadline) -> set[Deadline]:
        """Watch the deadline from now; returns its group (the deadline leaves it when done)."""
        slot = math.ceil((self.loop.time() + self.seconds) / self.width)
        group = self.groups.get(slot)
        if group is None:
            group = self.groups[slot] = set()
            self.loop.call_at(slot * self.width, self._expire, slot)
        group.add(deadline)
        return group

    def _expire(self, slot: int) -> None:
        for deadline in self.groups.pop(slot, ()):
            deadline._expire()
