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
from typing import Protocol, TypeVar

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

    A timer rather than a task per request: the request runs in the server's own task, and only
    a request that overruns pays for anything more.
    """

    def __init__(self, scope: Scope, watched: Watched, send: Send, seconds: float) -> None:
        self.scope = scope
        self.watched = watched
        self.send = send
        self.seconds = seconds
        self.task = asyncio.current_task()
        self.answer: asyncio.Task[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(seconds, self._expire)

    @classmethod
    def start(cls, seconds: float, scope: Scope, watched: Watched, send: Send) -> Deadline:
        """Start the timer of the request being served in the current task."""
        return cls(scope, watched, send, seconds)

    def cancel(self) -> None:
        """The request ended: the timer will not fire."""
        self.timer.cancel()

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
