"""Invariants under real concurrent requests, against real uvicorn processes (one and two workers)
on the test database (SQLite by default, PostgreSQL with TEST_DATABASE_URL).

Every organization keeps an owner, the platform keeps an active superadmin, and a refresh token is
redeemed at most once; the losers of each race get a documented 4xx, never a 500.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
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
from tests.live_server import LiveServer, live_server

ROUNDS = 8


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def server(request: pytest.FixtureRequest, settings: Settings) -> Iterator[LiveServer]:
    """uvicorn on the test database with one, then two worker processes; no rate limits."""
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": settings.secret_key,
        "RATE_LIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": str(request.param),
    }
    with live_server(env) as running:
        yield running


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        yield client


@pytest.fixture
async def only_test_superadmins(db: AsyncSession) -> AsyncIterator[None]:
    """Take the configured first superadmin out of play, so the test's superadmins are the only
    active ones; put it back afterwards."""
    await db.execute(
        update(orm.User).where(orm.User.email == SUPERADMIN_EMAIL).values(is_active=False)
    )
    await db.commit()
    yield
    await db.execute(
        update(orm.User).where(orm.User.email == SUPERADMIN_EMAIL).values(is_active=True)
    )
    await db.commit()


def assert_one_winner(statuses: list[int], losers: set[int]) -> None:
    """Exactly one request of a pair succeeded; the other got one of the documented refusals."""
    assert 500 not in statuses, statuses
    assert sorted(statuses)[0] in (200, 204), statuses
    assert sorted(statuses)[1] in losers, statuses


async def owners(db: AsyncSession, org_id: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count()).where(
            orm.Membership.organization_id == org_id, orm.Membership.role == Role.OWNER.value
        )
    )
    return int(count or 0)


@pytest.mark.parametrize("action", ["demote", "remove"])
async def test_two_owners_cannot_leave_an_organization_without_one(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient, action: str
) -> None:
    pairs = []
    for _ in range(ROUNDS):
        first, second = await make_user(db), await make_user(db)
        org = await make_org(db, owner=first)
        await add_member(db, org, second, Role.OWNER)
        pairs.append((org, first, second))

    async def act(org: orm.Organization, actor: orm.User, target: orm.User) -> int:
        path = f"/api/v1/organizations/{org.id}/members/{target.id}"
        headers = await auth_headers(app, actor)
        if action == "demote":
            response = await http.patch(path, json={"role": "admin"}, headers=headers)
        else:
            response = await http.delete(path, headers=headers)
        return response.status_code

    results = await asyncio.gather(
        *(act(org, a, b) for org, a, b in pairs), *(act(org, b, a) for org, a, b in pairs)
    )
    org_ids = [org.id for org, _, _ in pairs]
    for index, org_id in enumerate(org_ids):
        # The loser either hits the last-owner rule, or has lost the authority it acted with.
        assert_one_winner([results[index], results[index + ROUNDS]], {403, 404, 409})
        assert await owners(db, org_id) == 1


@pytest.mark.parametrize("change", [{"is_superadmin": False}, {"is_active": False}])
@pytest.mark.usefixtures("only_test_superadmins")
async def test_two_superadmins_cannot_leave_the_platform_without_one(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient, change: dict[str, bool]
) -> None:
    for _ in range(ROUNDS // 2):
        first = await make_user(db, is_superadmin=True)
        second = await make_user(db, is_superadmin=True)
        ids = [first.id, second.id]
        statuses = await asyncio.gather(
            http.patch(
                f"/api/v1/users/{second.id}", json=change, headers=await auth_headers(app, first)
            ),
            http.patch(
                f"/api/v1/users/{first.id}", json=change, headers=await auth_headers(app, second)
            ),
        )
        # The loser hits the last-superadmin rule, or is no longer a superadmin (403) or active
        # (401: deactivation ended its sessions).
        assert_one_winner([r.status_code for r in statuses], {401, 403, 409})
        active = await db.scalar(
            select(func.count()).where(
                orm.User.is_superadmin.is_(True), orm.User.is_active.is_(True)
            )
        )
        assert active == 1
        # Leave one for the next round's pair to fight over nothing: retire the survivor.
        await db.execute(update(orm.User).where(orm.User.id.in_(ids)).values(is_superadmin=False))
        await db.commit()


async def test_a_refresh_token_is_redeemed_once_under_concurrency(
    db: AsyncSession, http: httpx.AsyncClient
) -> None:
    user = await make_user(db)
    login = await http.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    refresh_token = login.json()["data"]["refresh_token"]

    body = {"refresh_token": refresh_token}
    responses = await asyncio.gather(
        *(http.post("/api/v1/auth/refresh", json=body) for _ in range(20))
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 401: 19}, statuses
    codes = {r.json()["code"] for r in responses if r.status_code == 401}
    assert codes <= {"refresh_token_reused", "invalid_refresh_token"}
    assert "refresh_token_reused" in codes
    # Reuse ended the session: the winner's new tokens are dead too.
    winner = next(r for r in responses if r.status_code == 200).json()["data"]
    again = await http.post("/api/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    assert again.status_code == 401
    me = await http.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {winner['access_token']}"}
    )
    assert me.status_code == 401


async def test_unique_email_and_membership_hold_under_concurrency(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    admin = await make_user(db, is_superadmin=True)
    owner, newcomer = await make_user(db), await make_user(db)
    org = await make_org(db, owner=owner)
    admin_headers, owner_headers = await auth_headers(app, admin), await auth_headers(app, owner)
    user = {"email": "twin@example.com", "full_name": "Twin", "password": "twin-password-1"}
    users = await asyncio.gather(
        *(http.post("/api/v1/users", json=user, headers=admin_headers) for _ in range(10))
    )
    member = {"email": newcomer.email, "role": "member"}
    members = await asyncio.gather(
        *(
            http.post(f"/api/v1/organizations/{org.id}/members", json=member, headers=owner_headers)
            for _ in range(10)
        )
    )
    for responses in (users, members):
        assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
