"""Password hashing with argon2 (libpass's passlib), always off the event loop."""

from __future__ import annotations

import asyncio

from passlib.context import CryptContext

context = CryptContext(schemes=["argon2"], deprecated="auto")
_DUMMY_HASH = context.hash("dummy password to keep login timing uniform")


async def hash_password(password: str) -> str:
    """An argon2 hash of the password."""
    return await asyncio.to_thread(context.hash, password)


async def verify_password(password: str, password_hash: str) -> bool:
    """Whether the password matches the hash; malformed hashes never match."""
    try:
        return bool(await asyncio.to_thread(context.verify, password, password_hash))
    except (ValueError, TypeError):
        return False


async def verify_or_dummy(password: str, password_hash: str | None) -> bool:
    """verify_password, but against a dummy hash when the user is unknown, so an unknown email
    takes as long to refuse as a wrong password."""
    if password_hash is None:
        await verify_password(password, _DUMMY_HASH)
        return False
    return await verify_password(password, password_hash)
