"""Sessions end when they should: logout, password change, deactivation and deletion make the
user's access and refresh tokens fail at once; reactivation revives nothing; logging out with a
rotated or unknown token is idempotent and ends nothing else."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from tests.factories import PASSWORD, SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD, make_user

ME = "/api/v1/users/me"
ROOT = Path(__file__).resolve().parents[2]


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def works(client: httpx.AsyncClient, tokens: dict[str, str]) -> tuple[bool, bool]:
    """Whether the access token still authenticates, and whether the refresh token still
    refreshes (which rotates it: call last)."""
    access = (await client.get(ME, headers=bearer(tokens))).status_code == 200
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    return access, refresh.status_code == 200


async def superadmin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await sign_in(client, SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD))


async def test_logout_ends_the_session_and_its_access_token(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    ended, other = await sign_in(client, user.email), await sign_in(client, user.email)
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": ended["refresh_token"]})
    assert out.status_code == 204
    assert await works(client, ended) == (False, False)
    assert await works(client, other) == (True, True)  # another sign-in is another session


async def test_logout_with_a_rotated_or_unknown_token_ends_nothing(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user = await make_user(db)
    first = await sign_in(client, user.email)
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    current = rotated.json()["data"]
    unknown = app.state.tokens.issue_refresh(user.id, uuid.uuid4()).token
    for token in (first["refresh_token"], unknown, first["refresh_token"]):
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": token})
        assert out.status_code == 204
    assert await works(client, current) == (True, True)
    forged = await client.post("/api/v1/auth/logout", json={"refresh_token": "not-a-token"})
    assert forged.status_code == 401


async def test_logout_twice_is_idempotent(client: httpx.AsyncClient, db: AsyncSession) -> None:
    user = await make_user(db)
    tokens = await sign_in(client, user.email)
    for _ in range(2):
        out = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
        )
        assert out.status_code == 204


async def test_password_change_ends_every_session(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    sessions = [await sign_in(client, user.email) for _ in range(2)]
    changed = await client.patch(
        ME,
        json={"password": "a-new-password-1", "current_password": PASSWORD},
        headers=bearer(sessions[0]),
    )
    assert changed.status_code == 200, changed.text
    for tokens in sessions:
        assert await works(client, tokens) == (False, False)
    assert await works(client, await sign_in(client, user.email, "a-new-password-1")) == (
        True,
        True,
    )


async def test_password_reset_by_an_administrator_ends_every_session(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    tokens = await sign_in(client, user.email)
    reset = await client.patch(
        f"/api/v1/users/{user.id}",
        json={"password": "a-new-password-1"},
        headers=await superadmin_headers(client),
    )
    assert reset.status_code == 200, reset.text
    assert await works(client, tokens) == (False, False)


async def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    tokens = await sign_in(client, user.email)
    admin = await superadmin_headers(client)
    path = f"/api/v1/users/{user.id}"
    assert (await client.patch(path, json={"is_active": False}, headers=admin)).status_code == 200
    assert (await client.patch(path, json={"is_active": True}, headers=admin)).status_code == 200
    assert await works(client, tokens) == (False, False)
    assert await works(client, await sign_in(client, user.email)) == (True, True)


async def test_deletion_ends_every_session(client: httpx.AsyncClient, db: AsyncSession) -> None:
    user = await make_user(db)
    tokens = await sign_in(client, user.email)
    deleted = await client.delete(
        f"/api/v1/users/{user.id}", headers=await superadmin_headers(client)
    )
    assert deleted.status_code == 204
    assert await works(client, tokens) == (False, False)
    remaining = await db.scalar(select(func.count()).where(orm.LoginSession.user_id == user.id))
    assert remaining == 0


async def test_an_access_token_without_a_session_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user = await make_user(db)
    orphan = app.state.tokens.issue_access(user.id, uuid.uuid4()).token
    response = await client.get(ME, headers={"Authorization": f"Bearer {orphan}"})
    assert response.status_code == 401


def test_spec_and_docs_state_the_one_rule_the_code_follows() -> None:
    # The schema said "every other session" while the code (test above) ends the caller's too.
    rule = "every session of the user, the caller's own included"
    spec = json.loads((ROOT / "generated" / "openapi.json").read_text())
    texts = {
        "operation": spec["paths"]["/api/v1/users/me"]["patch"]["description"],
        "schema": spec["components"]["schemas"]["CurrentUserUpdate"]["description"],
    }
    for name, text in texts.items():
        assert "other session" not in text, name
        assert rule in " ".join(text.split()), name
    for page in ("README.md", "docs/api.md", "docs/security.md"):
        text = " ".join((ROOT / page).read_text().split())
        assert "other session" not in text, page
    api = " ".join((ROOT / "docs" / "api.md").read_text().split())
    assert "every session of that user ends, the caller's own included" in api
