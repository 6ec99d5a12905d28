"""A client-side bound on waiting for the database.

statement_timeout, connect_timeout and the pool timeout bound a database that answers slowly or
not at all, but a frozen server (SIGSTOP, a stalled VM, a network black hole) honours none of
them, and cancelling a psycopg query waits up to 10 s more while psycopg tries to cancel it on
the server. So the wait runs in a task of its own: past the deadline the caller gets its answer
at once, and the task is cancelled and left to wind down in the background.

The database is the only thing a request waits on (Redis calls have their own 0.5 s bound and
fail open; password hashing is bounded CPU work), so a request past its deadline is answered
503 `database_unavailable`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import DATABASE_UNAVAILABLE_DETAIL, database_unavailable_headers, send_problem

T = TypeVar("T")
logger = logging.getLogger(__name__)
_abandoned: set[asyncio.Future[Any]] = set()
"""Tasks past their deadline, kept referenced until they finish winding down."""


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.info("abandoned task ended with %s", type(task.exception()).__name__)


def abandon(task: asyncio.Future[Any]) -> None:
    """Cancel a task nobody waits for any longer and let it finish in the background."""
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)


async def settle(seconds: float) -> None:
    """Give abandoned tasks up to ``seconds`` to finish (at shutdown, before the pool closes)."""
    if _abandoned:
        await asyncio.wait(set(_abandoned), timeout=seconds)


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """The awaitable's result, or TimeoutError after ``seconds`` however it is stuck."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        abandon(task)
        raise
    if not done:
        abandon(task)
        raise TimeoutError(f"no answer within {seconds} s")
    return task.result()


class RequestDeadlineMiddleware:
    """Answers 503 `database_unavailable` (with Retry-After) when a request has not started its
    response within REQUEST_TIMEOUT_SECONDS."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = abandoned = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return  # the client already has its 503
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.seconds)
        except asyncio.CancelledError:
            abandon(task)
            raise
        if done or started:
            await task  # finished, or its response is already on the way
            return
        abandoned = True
        abandon(task)
        logger.warning(
            "request %s (%s %s) got no database answer within %s s; answered 503",
            scope.get("state", {}).get("request_id", "-"),
            scope["method"],
            scope["path"],
            self.seconds,
        )
        await send_problem(
            scope,
            send,
            status=503,
            code="database_unavailable",
            detail=DATABASE_UNAVAILABLE_DETAIL,
            headers=database_unavailable_headers(),
        )
