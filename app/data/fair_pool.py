"""A connection pool that hands connections out in the order requests asked for them.

SQLAlchemy's asyncio pool queues waiters on an `asyncio.Queue`, where a returned connection is
not reserved for the waiter it wakes: a request that arrives in between takes it, and the
woken waiter queues again at the back. Under a steady load above the pool's size some requests
starve until DB_POOL_TIMEOUT_SECONDS and get 503 (seen with 32 concurrent clients and the
default pool of 5 + 10). Here a returned connection goes straight to the longest waiter, and
nobody takes an idle connection past a waiter.

Upstream: https://github.com/sqlalchemy/sqlalchemy/issues/7679 ("QueuePool connection allocation
can starve threads", open), the same queue-jumping in the threaded pool's queue; the asyncio
queue inherits it. tests/integration/test_pool_fairness.py shows the starvation with
`AsyncAdaptedQueuePool` (and fails once SQLAlchemy's own pool is fair: then delete this module).
This subclasses SQLAlchemy's private pool internals (`QueuePool._queue_class`, `_do_get`,
`AsyncAdaptedQueue`'s methods, `sqlalchemy.util.await_`); tests/unit/data/test_fair_pool.py
pins their shape, so an upgrade that changes them fails there first.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Protocol, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

T = TypeVar("T")


class FairQueue(AsyncAdaptedQueue[T]):
    """The pool's idle connections, given to waiters first come, first served."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[T]] = deque()

    def _waiting(self) -> bool:
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()  # timed out or cancelled
        return bool(self._waiters)

    def put_nowait(self, item: T) -> None:
        """Hand the item to the longest waiter, else keep it (Full when over maxsize)."""
        while self._waiting():
            self._waiters.popleft().set_result(item)
            return
        super().put_nowait(item)

    def get_nowait(self) -> T:
        """An idle item, unless someone is already waiting for one (then Empty)."""
        if self._waiting():
            raise Empty()
        return super().get_nowait()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        """An idle item, or the next one returned, in arrival order; Empty after timeout."""
        if not block or not (self._waiting() or self.empty()):
            return self.get_nowait()
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            item: T = await_(asyncio.wait_for(waiter, timeout))
        except TimeoutError as error:
            raise Empty() from error
        return item


class PoolObserver(Protocol):
    """Told how long each checkout took (app.observability.metrics.PoolMetrics)."""

    def waited(self, seconds: float) -> None:
        """A connection was handed out after ``seconds`` (waiting for one, or opening it)."""


class ObservedPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio queue pool, timing each checkout for its observer (if any)."""

    observer: PoolObserver | None = None

    def _do_get(self) -> Any:
        if self.observer is None:
            return super()._do_get()
        started = time.perf_counter()
        record = super()._do_get()
        self.observer.waited(time.perf_counter() - started)
        return record

    def recreate(self) -> ObservedPool:
        """The same pool afresh (engine.dispose()), keeping its observer."""
        pool = super().recreate()
        assert isinstance(pool, ObservedPool)  # noqa: S101 - QueuePool.recreate keeps the class
        pool.observer = self.observer
        return pool


class FairAsyncQueuePool(ObservedPool):
    """SQLAlchemy's asyncio queue pool with a FairQueue of idle connections."""

    _queue_class: Any = FairQueue
    """The queue class the pool instantiates (typed loosely: SQLAlchemy's own hint names its
    queue base, which FairQueue is)."""
