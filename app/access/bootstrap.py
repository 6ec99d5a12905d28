"""Start-up tasks: the first superadmin from FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD,
retried in the background while the database is unavailable (the instance runs, unready)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import IntegrityError

from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data.database import Database
from app.data.models import User
from app.data.repositories.users import UserRepository
from app.domain.emails import canonical_email

logger = logging.getLogger(__name__)
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
"""Between attempts: doubling from the first to the max (a database back within seconds is seen
within a second or so; a long outage costs one attempt every 10 s)."""


async def ensure_first_superuser(
    db: Database, settings: Settings, passwords: PasswordHasher
) -> None:
    """Create the configured superadmin unless a user with that email exists.

    Idempotent, and safe when several workers start at once: the unique email constraint lets
    exactly one insert win, the others roll back. An existing user is left untouched.
    """
    if settings.FIRST_SUPERUSER_EMAIL is None or settings.FIRST_SUPERUSER_PASSWORD is None:
        return
    email = canonical_email(settings.FIRST_SUPERUSER_EMAIL)
    async with db.session() as session:
        if await UserRepository(session).get_by_email(email) is not None:
            return
        password_hash = await passwords.hash(settings.FIRST_SUPERUSER_PASSWORD.get_secret_value())
        user = User(
            email=email,
            full_name="Administrator",
            password_hash=password_hash,
            is_active=True,
            is_superadmin=True,
        )
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return
    logger.info("created the first superadmin (user %s)", user.id)  # never the email


class StartupTasks:
    """The start-up tasks of one process, run in the background until they succeed.

    A database down at start-up must leave the instance running and unready, not exit: uvicorn
    ends the process when the lifespan start-up raises (`Application startup failed. Exiting.`,
    a crash loop on Kubernetes). So the lifespan only starts this; readiness reports `startup`
    failed until it is `done`, and each failure is logged and tried again with a backoff.
    """

    def __init__(self, db: Database, settings: Settings, passwords: PasswordHasher) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self.done = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try the tasks once (so a healthy start is ready at once); if that fails, go on
        trying in the background."""
        if not await self._attempt(1, RETRY_FIRST_SECONDS):
            self._task = asyncio.get_running_loop().create_task(self._retry())

    async def _retry(self) -> None:
        delay, attempt = RETRY_FIRST_SECONDS, 1
        while True:
            await asyncio.sleep(delay)
            delay, attempt = min(delay * 2, RETRY_MAX_SECONDS), attempt + 1
            if await self._attempt(attempt, delay):
                logger.info("start-up tasks done after %d attempts", attempt)
                return

    async def _attempt(self, attempt: int, delay: float) -> bool:
        """One try; whether the tasks are done."""
        try:
            await ensure_first_superuser(self.db, self.settings, self.passwords)
        except Exception as exc:  # any failure: reported, retried, never the process's end
            logger.warning(
                "start-up tasks failed (attempt %d, %s); retrying in %g s, unready until then",
                attempt,
                type(exc).__name__,
                delay,
            )
            return False
        self.done = True
        return True

    async def stop(self) -> None:
        """Cancel the tasks if they are still retrying (the process is stopping)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
