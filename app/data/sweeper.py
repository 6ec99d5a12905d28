"""The sweep of expired idempotency records, started with the app in every worker.

Every `interval` seconds (and once at start) it deletes the records older than
IDEMPOTENCY_KEY_TTL_HOURS in small batches, each its own short transaction that skips rows a
request holds (app.data.repositories.idempotency_keys.sweep): it never blocks a request, and
several workers sweeping at once share the work. A failed round is logged and tried again at
the next one; the sweep never stops the app.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random

from app.data.database import Database, utcnow
from app.data.repositories.idempotency_keys import sweep

logger = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 600.0
"""Between rounds; each worker adds up to 10% at random so they do not sweep in step."""


class IdempotencySweeper:
    """A background task deleting expired idempotency records."""

    def __init__(
        self, database: Database, ttl_hours: int, interval: float = SWEEP_INTERVAL_SECONDS
    ) -> None:
        self.database = database
        self.ttl = dt.timedelta(hours=ttl_hours)
        self.interval = interval
        self.rounds = 0
        """Rounds completed (for tests and the curious)."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sweeping in the background (a first round right away)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="idempotency-sweep")

    async def stop(self) -> None:
        """Stop sweeping; a round in progress is cancelled (its open batch rolls back)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def sweep_once(self) -> int:
        """One round: how many expired records were deleted."""
        async with self.database.session() as session:
            return await sweep(session, older_than=utcnow() - self.ttl)

    async def _run(self) -> None:
        while True:
            try:
                deleted = await self.sweep_once()
                if deleted:
                    logger.info("swept %d expired idempotency records", deleted)
            except Exception:
                logger.warning("idempotency sweep failed; trying again later", exc_info=True)
            self.rounds += 1
            await asyncio.sleep(self.interval * random.uniform(1, 1.1))  # noqa: S311 - jitter
