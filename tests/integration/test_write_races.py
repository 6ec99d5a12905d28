"""Writes racing on one row, barrier-synchronised, in repeated rounds: in-process and against a
real uvicorn with two workers, on the test database (SQLite by default, PostgreSQL with
TEST_DATABASE_URL).

N concurrent deletes of one site, organization, member or user give one 204 and N-1 404s;
concurrent status changes keep the per-status totals exact; a PATCH racing a DELETE is a 200 or a
404 (401 for the caller's own profile), never a 500; two sites of one organization moving between
statuses in opposite directions, and two superadmins removing each other, never deadlock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data import models as orm
from tests.factories import auth_headers, make_org, make_site, make_user
from tests.live_server import LiveServer, live_server

RACERS = 8
ROUNDS = 5
SITE_STATUSES = ("active", "inactive", "archived")


@pytest.fixture(scope="module")
def two_workers(settings: Settings) -> Iterator[LiveServer]:
    """uvicorn with two worker processes on the test database; no rate limits."""
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": settings.secret_key,
        "RATE_LIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": "2",
    }
    with live_server(env) as running:
        yield running


@pytest.fixture(params=["in-process", "2-workers"])
async def http(request: pytest.FixtureRequest, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app in this process, or of the two-worker server."""
    if request.param == "in-process":
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
        return
    server: LiveServer = request.getfixturevalue("two_workers")
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        yield client


@pytest.fixture
def logged(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """What the server under test has logged since this test began."""
    if request.node.callspec.params["http"] != "2-workers":
        return lambda: caplog.text
    server: LiveServer = request.getfixturevalue("two_workers")
    start = len(server.log())
    return lambda: server.log()[start:]


Request = tuple[str, str, dict[str, Any] | None]
"""A request to race: method, path and JSON body."""


async def race(
    http: httpx.AsyncClient, headers: dict[str, str], *requests: Request
) -> list[httpx.Response]:
    """Send the requests at once: each waits at a barrier until all are ready to go."""
    barrier = asyncio.Barrier(len(requests))

    async def go(method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        await barrier.wait()
        return await http.request(method, path, json=body, headers=headers)

    return await asyncio.gather(*(go(*request) for request in requests))


async def race_as(
    http: httpx.AsyncClient, *requests: tuple[dict[str, str], str, str, dict[str, Any] | None]
) -> list[httpx.Response]:
    """Like `race`, each request sent by its own caller: headers, method, path and JSON body."""
    barrier = asyncio.Barrier(len(requests))

    async def go(
        headers: dict[str, str], method: str, path: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        await barrier.wait()
        return await http.request(method, path, json=body, headers=headers)

    return await asyncio.gather(*(go(*request) for request in requests))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    """How many responses had each status; a 5xx fails the test with its body."""
    server_errors = [r.text for r in responses if r.status_code >= 500]
    assert not server_errors, server_errors
    return Counter(r.status_code for r in responses)


async def rows_by_status(db: AsyncSession, org_id: object) -> dict[str, int]:
    """The organization's real sites per status."""
    rows = await db.execute(
        select(orm.Site.status, func.count())
        .where(orm.Site.organization_id == org_id)
        .group_by(orm.Site.status)
    )
    counted: dict[str, int] = {status: count for status, count in rows}
    return {status: counted.get(status, 0) for status in SITE_STATUSES}


async def assert_totals_exact(
    http: httpx.AsyncClient, db: AsyncSession, org: orm.Organization, headers: dict[str, str]
) -> None:
    """meta.total, overall and per status, is the number of rows."""
    real = await rows_by_status(db, org.id)
    path = f"/api/v1/organizations/{org.id}/sites"
    listed = await http.get(path, headers=headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["meta"]["total"] == sum(real.values())
    for status, count in real.items():
        filtered = await http.get(path, params={"status": status}, headers=headers)
        assert (status, filtered.json()["meta"]["total"]) == (status, count)


async def test_concurrent_deletes_of_one_site_have_one_winner(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        await make_site(db, org)
        await make_site(db, org, status="inactive")
        site = await make_site(db, org)
        path = f"/api/v1/organizations/{org.id}/sites/{site.id}"

        responses = await race(http, headers, *[("DELETE", path, None)] * RACERS)

        assert statuses(responses) == {204: 1, 404: RACERS - 1}
        assert {r.json()["code"] for r in responses if r.status_code == 404} == {"site_not_found"}
        await assert_totals_exact(http, db, org, headers)
        assert await rows_by_status(db, org.id) == {"active": 1, "inactive": 1, "archived": 0}


async def test_concurrent_archivings_of_one_site_count_it_once(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        await make_site(db, org)
        site = await make_site(db, org)
        path = f"/api/v1/organizations/{org.id}/sites/{site.id}"
        body = {"status": "archived"}

        responses = await race(http, headers, *[("PATCH", path, body)] * RACERS)

        assert statuses(responses) == {200: RACERS}
        assert {r.json()["data"]["status"] for r in responses} == {"archived"}
        await assert_totals_exact(http, db, org, headers)
        assert await rows_by_status(db, org.id) == {"active": 1, "inactive": 0, "archived": 1}


@pytest.mark.parametrize("status", [None, "inactive"], ids=["name", "status"])
async def test_a_site_patch_racing_its_delete_is_200_or_404(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient, status: str | None
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        await make_site(db, org, status="inactive")
        site = await make_site(db, org)
        path = f"/api/v1/organizations/{org.id}/sites/{site.id}"
        body = {"name": "Renamed"} if status is None else {"status": status}

        responses = await race(
            http, headers, ("DELETE", path, None), *[("PATCH", path, body)] * (RACERS - 1)
        )

        assert responses[0].status_code == 204, responses[0].text
        assert set(statuses(responses[1:])) <= {200, 404}
        await assert_totals_exact(http, db, org, headers)
        assert await rows_by_status(db, org.id) == {"active": 0, "inactive": 1, "archived": 0}


async def test_concurrent_deletes_of_one_organization_have_one_winner(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        await make_site(db, org)
        path = f"/api/v1/organizations/{org.id}"

        responses = await race(http, headers, *[("DELETE", path, None)] * RACERS)

        assert statuses(responses) == {204: 1, 404: RACERS - 1}
        assert await db.get(orm.Organization, org.id, populate_existing=True) is None


async def test_an_organization_patch_racing_its_delete_is_200_or_404(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for round_ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        path = f"/api/v1/organizations/{org.id}"

        renames: list[Request] = [
            ("PATCH", path, {"name": f"Renamed {n}", "slug": f"renamed-{round_}-{n}"})
            for n in range(RACERS - 1)
        ]
        responses = await race(http, headers, ("DELETE", path, None), *renames)

        assert responses[0].status_code == 204, responses[0].text
        assert set(statuses(responses[1:])) <= {200, 404}


async def test_a_member_patch_racing_its_removal_is_200_or_404(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        member = await make_user(db)
        db.add(orm.Membership(organization_id=org.id, user_id=member.id, role="member"))
        await db.commit()
        path = f"/api/v1/organizations/{org.id}/members/{member.id}"

        changes: list[Request] = [
            ("PATCH", path, {"role": "admin" if n % 2 else "member"}) for n in range(RACERS - 1)
        ]
        responses = await race(http, headers, ("DELETE", path, None), *changes)

        assert responses[0].status_code == 204, responses[0].text
        assert set(statuses(responses[1:])) <= {200, 404}


async def test_concurrent_removals_of_one_member_have_one_winner(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(ROUNDS):
        org = await make_org(db, owner=owner)
        member = await make_user(db)
        db.add(orm.Membership(organization_id=org.id, user_id=member.id, role="admin"))
        await db.commit()
        path = f"/api/v1/organizations/{org.id}/members/{member.id}"

        responses = await race(http, headers, *[("DELETE", path, None)] * RACERS)

        assert statuses(responses) == {204: 1, 404: RACERS - 1}


OPPOSITE_ROUNDS = 20


async def test_sites_moving_in_opposite_directions_never_deadlock(
    app: FastAPI,
    db: AsyncSession,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    owner = await make_user(db)
    headers = await auth_headers(app, owner)
    for _ in range(OPPOSITE_ROUNDS):
        org = await make_org(db, owner=owner)
        first = await make_site(db, org, status="active")
        second = await make_site(db, org, status="inactive")
        sites = f"/api/v1/organizations/{org.id}/sites"

        responses = await race(
            http,
            headers,
            ("PATCH", f"{sites}/{first.id}", {"status": "inactive"}),
            ("PATCH", f"{sites}/{second.id}", {"status": "active"}),
        )

        assert statuses(responses) == {200: 2}, [r.text for r in responses]
        await assert_totals_exact(http, db, org, headers)
        assert await rows_by_status(db, org.id) == {"active": 1, "inactive": 1, "archived": 0}
    # Not one deadlock happened, not even one that was retried and so went unseen by clients.
    if request.node.callspec.params["http"] == "2-workers":
        log = request.getfixturevalue("two_workers").log()
    else:
        log = caplog.text
    assert "deadlock" not in log.lower(), log[-3000:]


async def test_concurrent_deletes_of_one_user_have_one_winner(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    admin = await make_user(db, is_superadmin=True)
    headers = await auth_headers(app, admin)
    for _ in range(ROUNDS):
        user = await make_user(db)
        org = await make_org(db, owner=admin)
        db.add(orm.Membership(organization_id=org.id, user_id=user.id, role="member"))
        await db.commit()
        await auth_headers(app, user)  # a session, deleted with the user
        path = f"/api/v1/users/{user.id}"

        responses = await race(http, headers, *[("DELETE", path, None)] * RACERS)

        assert statuses(responses) == {204: 1, 404: RACERS - 1}
        assert {r.json()["code"] for r in responses if r.status_code == 404} == {"user_not_found"}
        assert await db.get(orm.User, user.id, populate_existing=True) is None


USER_CHANGES: dict[str, Callable[[int], dict[str, Any]]] = {
    "name": lambda n: {"full_name": f"Renamed {n}"},
    "email": lambda n: {"email": f"renamed-{uuid.uuid4().hex}@example.com"},
    "deactivation": lambda n: {"is_active": False},
    "password-reset": lambda n: {"password": f"a new password {n}"},
}


@pytest.mark.parametrize("change", list(USER_CHANGES))
async def test_a_user_patch_racing_its_delete_is_200_or_404(
    app: FastAPI,
    db: AsyncSession,
    http: httpx.AsyncClient,
    logged: Callable[[], str],
    change: str,
) -> None:
    admin = await make_user(db, is_superadmin=True)
    headers = await auth_headers(app, admin)
    for _ in range(ROUNDS):
        user = await make_user(db)
        await auth_headers(app, user)
        path = f"/api/v1/users/{user.id}"

        changes: list[Request] = [
            ("PATCH", path, USER_CHANGES[change](n)) for n in range(RACERS - 1)
        ]
        responses = await race(http, headers, ("DELETE", path, None), *changes)

        assert responses[0].status_code == 204, responses[0].text
        assert set(statuses(responses[1:])) <= {200, 404}
        assert {r.json()["code"] for r in responses if r.status_code == 404} <= {"user_not_found"}
        assert await db.get(orm.User, user.id, populate_existing=True) is None
    # The user's row is locked before their sessions are ended, as a delete takes them: no
    # deadlock, not even one that was retried and so went unseen by clients.
    assert "deadlock" not in logged().lower(), logged()[-3000:]


async def test_a_profile_patch_racing_the_users_delete_is_200_or_401(
    app: FastAPI, db: AsyncSession, http: httpx.AsyncClient
) -> None:
    admin_headers = await auth_headers(app, await make_user(db, is_superadmin=True))
    for _ in range(ROUNDS):
        user = await make_user(db)
        own_headers = await auth_headers(app, user)

        responses = await race_as(
            http,
            (admin_headers, "DELETE", f"/api/v1/users/{user.id}", None),
            *(
                (own_headers, "PATCH", "/api/v1/users/me", {"full_name": f"Me {n}"})
                for n in range(RACERS - 1)
            ),
        )

        assert responses[0].status_code == 204, responses[0].text
        assert set(statuses(responses[1:])) <= {200, 401}
        assert await db.get(orm.User, user.id, populate_existing=True) is None


@pytest.mark.parametrize(
    ("method", "body", "outcome"),
    [("DELETE", None, 204), ("PATCH", {"is_superadmin": False}, 200)],
    ids=["delete", "demote"],
)
async def test_two_superadmins_removing_each_other_keep_one_and_never_deadlock(
    app: FastAPI,
    db: AsyncSession,
    http: httpx.AsyncClient,
    logged: Callable[[], str],
    method: str,
    body: dict[str, Any] | None,
    outcome: int,
) -> None:
    # Each round starts with exactly two active superadmins: the others are deactivated for the
    # test (the suite's own superadmin is active again afterwards).
    active = select(orm.User.id).where(
        orm.User.is_superadmin.is_(True), orm.User.is_active.is_(True)
    )
    kept = list(await db.scalars(active))
    try:
        for _ in range(ROUNDS):
            await db.execute(update(orm.User).values(is_active=False))
            await db.commit()
            first = await make_user(db, is_superadmin=True)
            second = await make_user(db, is_superadmin=True)
            first_headers = await auth_headers(app, first)
            second_headers = await auth_headers(app, second)
            responses = await race_as(
                http,
                (first_headers, method, f"/api/v1/users/{second.id}", body),
                (second_headers, method, f"/api/v1/users/{first.id}", body),
            )

            # The loser is refused: 409 last_superadmin, or 401/403 when the winner had already
            # committed before the loser's request was authorized.
            counted = statuses(responses)
            assert counted[outcome] == 1, [r.text for r in responses]
            assert set(counted) - {outcome} <= {409, 401, 403}, [r.text for r in responses]
            refused = {r.json()["code"] for r in responses if r.status_code == 409}
            assert refused <= {"last_superadmin"}
            assert len(list(await db.scalars(active))) == 1
    finally:
        await db.execute(update(orm.User).where(orm.User.id.in_(kept)).values(is_active=True))
        await db.commit()
    assert "deadlock" not in logged().lower(), logged()[-3000:]
