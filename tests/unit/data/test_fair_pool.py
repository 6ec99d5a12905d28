"""The pool's queue hands connections out first come, first served."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from app.data.fair_pool import FairQueue


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
