"""Password hashing."""

from __future__ import annotations

from app.passwords import hash_password, verify_or_dummy, verify_password


async def test_hash_and_verify() -> None:
    hashed = await hash_password("s3cret-password")
    assert hashed.startswith("$argon2")
    assert await verify_password("s3cret-password", hashed)
    assert not await verify_password("wrong", hashed)


async def test_malformed_hash_never_matches() -> None:
    assert not await verify_password("anything", "not-a-hash")


async def test_unknown_user_is_refused_after_the_same_work() -> None:
    assert not await verify_or_dummy("anything", None)
    assert await verify_or_dummy("pw-123456", await hash_password("pw-123456"))
