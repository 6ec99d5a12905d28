"""Password hashing with argon2id (libpass's passlib): costs from the settings, off the event loop,
and never more hashes at once than the settings allow, so sign-ins cannot starve other requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from passlib.context import CryptContext

from app.config.settings import Settings

T = TypeVar("T")


class PasswordHasher:
    """Hashes and verifies passwords; at most `PASSWORD_HASH_CONCURRENCY` at a time, each in a
    worker thread (argon2 releases the GIL, so the event loop keeps serving)."""

    def __init__(self, settings: Settings) -> None:
        self.context = CryptContext(
            schemes=["argon2"],
            deprecated="auto",
            argon2__type="ID",
            argon2__memory_cost=settings.PASSWORD_HASH_MEMORY_KIB,
            argon2__rounds=settings.PASSWORD_HASH_TIME_COST,
            argon2__parallelism=settings.PASSWORD_HASH_PARALLELISM,
        )
        self.concurrency = settings.password_hash_concurrency
        self._slots: asyncio.Semaphore | None = None
        # Unknown emails are checked against this, so they cost what a wrong password costs.
        self._dummy_hash = self.context.hash("dummy password to keep sign-in timing uniform")

    async def _bounded(self, work: Callable[..., T], *args: str) -> T:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            return await asyncio.to_thread(work, *args)

    async def hash(self, password: str) -> str:
        """An argon2id hash of the password."""
        return await self._bounded(self.context.hash, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        """Whether the password matches the hash; malformed hashes never match."""
        try:
            return bool(await self._bounded(self.context.verify, password, password_hash))
        except (ValueError, TypeError):
            return False

    async def verify_or_dummy(self, password: str, password_hash: str | None) -> bool:
        """verify, but against a dummy hash when the user is unknown, so an unknown email takes
        as long to refuse as a wrong password."""
        if password_hash is None:
            await self.verify(password, self._dummy_hash)
            return False
        return await self.verify(password, password_hash)
