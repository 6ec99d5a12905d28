"""Login, refresh rotation with reuse detection, logout, and token checks."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import PASSWORD, SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD, make_user


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_first_superadmin_logs_in(client: httpx.AsyncClient) -> None:
    response = await login(client, SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    tokens = response.json()["data"]
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] > 0
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["data"]["email"] == SUPERADMIN_EMAIL
    assert me.json()["data"]["is_superadmin"] is True


async def test_bad_credentials_look_the_same(client: httpx.AsyncClient, db: AsyncSession) -> None:
    user = await make_user(db)
    inactive = await make_user(db, is_active=False)
    answers = [
        await login(client, user.email, "wrong-password"),
        await login(client, "nobody@example.com", PASSWORD),
        await login(client, inactive.email, PASSWORD),
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert len({(answer.json()["code"], answer.json()["detail"]) for answer in answers}) == 1


async def test_email_is_case_insensitive(client: httpx.AsyncClient, db: AsyncSession) -> None:
    user = await make_user(db)
    assert (await login(client, user.email.upper(), PASSWORD)).status_code == 200


async def test_refresh_rotates_and_reuse_revokes_family(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    first = (await login(client, user.email, PASSWORD)).json()["data"]
    second = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.json()["data"]
    assert rotated["refresh_token"] != first["refresh_token"]

    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    # The whole family is gone, including the token issued by the legitimate rotation.
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401


async def test_logout_revokes_refresh_token(client: httpx.AsyncClient, db: AsyncSession) -> None:
    user = await make_user(db)
    tokens = (await login(client, user.email, PASSWORD)).json()["data"]
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_token_types_are_not_interchangeable(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    tokens = (await login(client, user.email, PASSWORD)).json()["data"]
    as_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )
    assert as_refresh.status_code == 401
    as_access = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert as_access.status_code == 401
    assert as_access.headers["www-authenticate"] == "Bearer"


async def test_garbage_and_missing_tokens(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/v1/users/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_deactivated_user_loses_access(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user = await make_user(db)
    tokens = (await login(client, user.email, PASSWORD)).json()["data"]
    user.is_active = False
    await db.commit()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
