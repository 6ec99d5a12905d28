"""Bounded waits on the database, however it is stuck.

A frozen server (SIGSTOP, a stalled VM, a network black hole) honours no statement, connect or
pool timeout, and cancelling a psycopg query waits up to 10 s more while psycopg tries to cancel
it on the server. So a wait past its bound raises at once and its task is cancelled and left to
wind down in the background (`within`), kept referenced until it has (`abandon`), and waited for
at shutdown (`settle`). app.edge.deadline bounds whole requests the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)
_abandoned: set[asyncio.Future[Any]] = set()
"""Tasks past their deadline, kept referenced until they finish winding down."""


def _ended(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.info("abandoned task ended with %s", type(task.exception()).__name__)


def abandon(task: asyncio.Future[Any]) -> None:
    """Cancel a task nobody waits for any longer and let it finish in the background."""
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_ended)


def forget(task: asyncio.Future[Any]) -> None:
    """Stop keeping an abandoned task that is still winding itself down (it may still be running:
    the request that app.edge.deadline cut off ends in its own task), so shutdown does not wait
    for it."""
    _abandoned.discard(task)


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
