"""Password hashing: argon2id with the configured costs, bounded concurrency, uniform refusals."""

from __future__ import annotations

import asyncio
import threading

from app.access.passwords import PasswordHasher
from app.config.settings import Settings

SETTINGS = Settings(APP_ENV="development", PASSWORD_HASH_CONCURRENCY=2)


async def test_hash_and_verify() -> None:
    passwords = PasswordHasher(SETTINGS)
    hashed = await passwords.hash("s3cret-password")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await passwords.verify("s3cret-password", hashed)
    assert not await passwords.verify("wrong", hashed)


async def test_costs_come_from_the_settings() -> None:
    settings = Settings(
        APP_ENV="development",
        PASSWORD_HASH_MEMORY_KIB=8192,
        PASSWORD_HASH_TIME_COST=3,
        PASSWORD_HASH_PARALLELISM=2,
    )
    assert (await PasswordHasher(settings).hash("pw")).startswith("$argon2id$v=19$m=8192,t=3,p=2$")


async def test_malformed_hash_never_matches() -> None:
    assert not await PasswordHasher(SETTINGS).verify("anything", "not-a-hash")


async def test_unknown_user_is_refused_after_the_same_work() -> None:
    passwords = PasswordHasher(SETTINGS)
    assert not await passwords.verify_or_dummy("anything", None)
    assert await passwords.verify_or_dummy("pw-123456", await passwords.hash("pw-123456"))


async def test_no_more_hashes_at_once_than_configured() -> None:
    passwords = PasswordHasher(SETTINGS)
    running, most = 0, 0
    lock = threading.Lock()
    hash_one = passwords.context.hash

    def counting_hash(secret: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return hash_one(secret)
        finally:
            with lock:
                running -= 1

    passwords.context.hash = counting_hash  # type: ignore[method-assign]
    await asyncio.gather(*(passwords.hash(f"password-{n}") for n in range(8)))
    assert 1 <= most <= SETTINGS.password_hash_concurrency == 2


def test_default_concurrency_leaves_a_cpu_free() -> None:
    import os

    expected = max(1, (os.cpu_count() or 1) - 1)
    assert Settings(APP_ENV="development").password_hash_concurrency == expected
