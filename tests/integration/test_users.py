"""Users: administration by superadmins, the caller's own profile, and privilege escalation."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.rbac import Role
from tests.factories import (
    PASSWORD,
    SUPERADMIN_EMAIL,
    add_member,
    auth_headers,
    make_org,
    make_user,
)


async def superadmin(db: AsyncSession) -> orm.User:
    user = await db.scalar(select(orm.User).where(orm.User.email == SUPERADMIN_EMAIL))
    assert user is not None
    return user


async def test_superadmin_manages_users(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    headers = await auth_headers(app, await superadmin(db))
    created = await client.post(
        "/api/v1/users",
        json={
            "email": "New.Person@Example.com",
            "password": "long-password",
            "full_name": "New Person",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    user = created.json()["data"]
    assert user["email"] == "new.person@example.com"
    assert "password" not in user and "password_hash" not in user
    assert created.headers["location"] == f"/api/v1/users/{user['id']}"

    duplicate = await client.post(
        "/api/v1/users",
        json={"email": "NEW.person@example.com", "password": "long-password", "full_name": "Again"},
        headers=headers,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "email_taken"

    listing = await client.get(
        "/api/v1/users", params={"q": "new.person", "is_active": "true"}, headers=headers
    )
    assert [item["id"] for item in listing.json()["data"]] == [user["id"]]

    patched = await client.patch(
        f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=headers
    )
    assert patched.json()["data"]["is_active"] is False
    assert (await client.delete(f"/api/v1/users/{user['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/api/v1/users/{user['id']}", headers=headers)).status_code == 404


@pytest.mark.parametrize("email", ["ops@build.test", "root@localhost", "x.y+tag@example.org"])
async def test_any_syntactically_valid_email_is_accepted(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, email: str
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"email": email, "password": "long-password", "full_name": "Someone"},
        headers=await auth_headers(app, await superadmin(db)),
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["email"] == email


async def test_last_superadmin_is_protected(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    root = await superadmin(db)
    headers = await auth_headers(app, root)
    for request in (
        client.patch(f"/api/v1/users/{root.id}", json={"is_superadmin": False}, headers=headers),
        client.patch(f"/api/v1/users/{root.id}", json={"is_active": False}, headers=headers),
        client.delete(f"/api/v1/users/{root.id}", headers=headers),
    ):
        response = await request
        assert response.status_code == 409
        assert response.json()["code"] == "last_superadmin"
    second = await make_user(db, is_superadmin=True)
    demoted = await client.patch(
        f"/api/v1/users/{second.id}", json={"is_superadmin": False}, headers=headers
    )
    assert demoted.status_code == 200


async def test_sole_owner_cannot_be_deleted(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    headers = await auth_headers(app, await superadmin(db))
    assert (await client.delete(f"/api/v1/users/{owner.id}", headers=headers)).status_code == 409
    await add_member(db, org, await make_user(db), Role.OWNER)
    assert (await client.delete(f"/api/v1/users/{owner.id}", headers=headers)).status_code == 204


async def test_user_reads_self_but_not_others(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user, other = await make_user(db), await make_user(db)
    headers = await auth_headers(app, user)
    assert (await client.get(f"/api/v1/users/{user.id}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/users/{other.id}", headers=headers)).status_code == 403
    assert (
        await client.patch(f"/api/v1/users/{user.id}", json={"full_name": "x"}, headers=headers)
    ).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"is_superadmin": True},
        {"email": "other@example.com"},
        {"role": "owner"},
        {"full_name": None},
    ],
)
async def test_no_privilege_escalation_through_me(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, body: dict[str, object]
) -> None:
    user = await make_user(db)
    response = await client.patch(
        "/api/v1/users/me", json=body, headers=await auth_headers(app, user)
    )
    assert response.status_code == 422
    await db.refresh(user)
    assert user.is_superadmin is False


async def test_password_change_requires_current_password(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user = await make_user(db)
    headers = await auth_headers(app, user)
    missing = await client.patch(
        "/api/v1/users/me", json={"password": "brand-new-pass"}, headers=headers
    )
    assert missing.status_code == 422
    wrong = await client.patch(
        "/api/v1/users/me",
        json={"password": "brand-new-pass", "current_password": "nope"},
        headers=headers,
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "invalid_current_password"
    changed = await client.patch(
        "/api/v1/users/me",
        json={"password": "brand-new-pass", "current_password": PASSWORD, "full_name": "Renamed"},
        headers=headers,
    )
    assert changed.status_code == 200
    assert changed.json()["data"]["full_name"] == "Renamed"
    old = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "brand-new-pass"}
    )
    assert new.status_code == 200
