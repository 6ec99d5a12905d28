"""The pool's queue hands connections out first come, first served; the private SQLAlchemy API it
builds on keeps the shape it was written against."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable

import pytest
import sqlalchemy
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool
from sqlalchemy.util import await_, greenlet_spawn
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from app.data.fair_pool import FairAsyncQueuePool, FairQueue


async def test_a_returned_item_goes_to_the_longest_waiter_not_a_newcomer() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=2)
    taken: list[tuple[str, str]] = []

    async def take(name: str) -> None:
        taken.append((name, await greenlet_spawn(queue.get, True, 5)))

    waiter = asyncio.create_task(take("waiter"))
    await asyncio.sleep(0.01)  # the waiter is queued
    queue.put_nowait("first")
    newcomer = asyncio.create_task(take("newcomer"))  # arrives before the waiter runs again
    await asyncio.sleep(0.01)
    queue.put_nowait("second")
    await asyncio.gather(waiter, newcomer)
    assert taken == [("waiter", "first"), ("newcomer", "second")]


async def test_nobody_takes_an_idle_item_past_a_waiter() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=2)
    waiter = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)
    queue.put_nowait("handed over")
    with pytest.raises(Empty):
        queue.get_nowait()
    assert await waiter == "handed over"


async def test_a_waiter_gives_up_after_its_timeout_and_is_skipped() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=2)
    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, True, 0.05)
    queue.put_nowait("kept")
    assert queue.qsize() == 1
    assert queue.get_nowait() == "kept"


async def test_a_cancelled_waiter_is_skipped() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=2)
    gone = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    queue.put_nowait("kept")
    assert queue.get_nowait() == "kept"


# --- the private SQLAlchemy API app.data.fair_pool builds on ----------------------------------
# Each test names what the fair pool relies on; one failing after an upgrade means the fair pool
# must be checked against the new SQLAlchemy (or deleted, if upstream issue 7679 is fixed).

CHECKED_WITH = (2, 1)
"""The SQLAlchemy release series the private API below was read in."""


def _parameters(function: Callable[..., object]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_sqlalchemy_is_the_series_the_fair_pool_was_checked_against() -> None:
    series = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2])
    assert series == CHECKED_WITH, (
        f"SQLAlchemy {sqlalchemy.__version__}: re-read the private API app.data.fair_pool "
        "overrides (QueuePool._queue_class and _do_get, AsyncAdaptedQueue) and whether "
        "https://github.com/sqlalchemy/sqlalchemy/issues/7679 is fixed, then update CHECKED_WITH"
    )


def test_the_queue_methods_fair_queue_overrides_keep_their_shape() -> None:
    assert issubclass(FairQueue, AsyncAdaptedQueue)
    assert _parameters(AsyncAdaptedQueue.__init__) == ["self", "maxsize", "use_lifo"]
    assert _parameters(AsyncAdaptedQueue.get) == ["self", "block", "timeout"]
    assert _parameters(AsyncAdaptedQueue.get_nowait) == ["self"]
    assert _parameters(AsyncAdaptedQueue.put_nowait) == ["self", "item"]
    assert _parameters(AsyncAdaptedQueue.put) == ["self", "item", "block", "timeout"]
    assert _parameters(AsyncAdaptedQueue.empty) == ["self"]
    assert callable(await_)


def test_the_pool_instantiates_its_queue_class_and_gets_through_do_get() -> None:
    assert AsyncAdaptedQueuePool._queue_class is AsyncAdaptedQueue
    assert FairAsyncQueuePool._queue_class is FairQueue
    assert _parameters(QueuePool._do_get) == ["self"]
    assert _parameters(QueuePool._do_return_conn) == ["self", "record"]
    pool = FairAsyncQueuePool(lambda: None, pool_size=3)
    assert isinstance(pool._pool, FairQueue)  # QueuePool.__init__: self._queue_class(pool_size)
    assert pool._pool.maxsize == 3
    recreated = pool.recreate()
    assert type(recreated) is FairAsyncQueuePool
    assert isinstance(recreated._pool, FairQueue)


async def test_a_return_reaches_the_fair_queue_through_put_without_blocking() -> None:
    # QueuePool._do_return_conn calls self._pool.put(record, False), which must end in our
    # put_nowait; _do_get calls self._pool.get(wait, timeout), which is ours.
    queue: FairQueue[str] = FairQueue(maxsize=2)
    waiter = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)
    queue.put("returned", False)
    with pytest.raises(Empty):
        queue.get_nowait()  # not left in the queue for a newcomer
    assert await waiter == "returned"
