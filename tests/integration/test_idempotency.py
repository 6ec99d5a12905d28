"""Idempotency-Key on every POST that writes (issue 23): replay byte for byte with the first
status, headers and Location; 422 for another request under the key; 400 for a malformed key;
keys scoped to the caller; the handler's own 4xx recorded, answers given before it ran never;
the statements a key costs; the TTL sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database
from app.data.repositories.idempotency_keys import sweep
from app.domain.rbac import Role
from app.main import create_app
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

SITE = {"name": "HQ", "address": "1 Main St", "timezone": "Europe/Berlin"}


@pytest.fixture
async def owner(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], orm.Organization]:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    return await auth_headers(app, user), org


async def count_sites(db: AsyncSession, org: orm.Organization) -> int:
    return int(
        await db.scalar(
            select(func.count()).select_from(orm.Site).where(orm.Site.organization_id == org.id)
        )
        or 0
    )


async def test_a_retried_post_replays_the_first_answer_byte_for_byte(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    keyed = {**headers, "Idempotency-Key": "retry-1"}
    url = f"/api/v1/organizations/{org.id}/sites"
    first = await client.post(url, json=SITE, headers=keyed)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = await client.post(url, json=SITE, headers=keyed)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    # The same JSON spelled differently is the same request.
    spaced = await client.post(
        url,
        content=b'{ "timezone": "Europe/Berlin", "address": "1 Main St", "name": "HQ" }',
        headers={**keyed, "Content-Type": "application/json"},
    )
    assert spaced.status_code == 201 and spaced.content == first.content
    assert await count_sites(db, org) == 1


async def test_every_idempotent_operation_replays(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    root = await auth_headers(app, await make_user(db, is_superadmin=True))
    newcomer = await make_user(db)
    calls = [
        (
            "/api/v1/users",
            {"email": "new@example.com", "full_name": "N", "password": "pw-123456789"},
            root,
        ),
        ("/api/v1/organizations", {"name": "Twice"}, headers),
        (
            f"/api/v1/organizations/{org.id}/members",
            {"email": newcomer.email, "role": "member"},
            headers,
        ),
        (f"/api/v1/organizations/{org.id}/sites", SITE, headers),
    ]
    for url, body, who in calls:
        keyed = {**who, "Idempotency-Key": f"k-{url}"}
        first = await client.post(url, json=body, headers=keyed)
        assert first.status_code == 201, (url, first.text)
        again = await client.post(url, json=body, headers=keyed)
        assert (again.status_code, again.content) == (201, first.content), url
        assert again.headers["idempotent-replayed"] == "true"
    assert (
        await db.scalar(
            select(func.count())
            .select_from(orm.Organization)
            .where(orm.Organization.name == "Twice")
        )
        == 1
    )


async def test_the_same_key_for_another_request_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    keyed = {**headers, "Idempotency-Key": "reused"}
    url = f"/api/v1/organizations/{org.id}/sites"
    assert (await client.post(url, json=SITE, headers=keyed)).status_code == 201
    other = await client.post(url, json={**SITE, "name": "Other"}, headers=keyed)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert await count_sites(db, org) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
async def test_a_malformed_key_is_400(
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
    key: str,
) -> None:
    headers, org = owner
    raw = [(b"idempotency-key", key.encode("latin-1"))]
    response = await client.post(
        f"/api/v1/organizations/{org.id}/sites",
        json=SITE,
        headers=httpx.Headers([*httpx.Headers(headers).raw, *raw]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert await count_sites(db, org) == 0


async def test_keys_are_scoped_to_the_caller(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    admin = await make_user(db)
    await add_member(db, org, admin, Role.ADMIN)
    admin_headers = await auth_headers(app, admin)
    url = f"/api/v1/organizations/{org.id}/sites"
    one = await client.post(url, json=SITE, headers={**headers, "Idempotency-Key": "shared"})
    two = await client.post(url, json=SITE, headers={**admin_headers, "Idempotency-Key": "shared"})
    assert one.status_code == two.status_code == 201
    assert one.json()["data"]["id"] != two.json()["data"]["id"]
    assert "idempotent-replayed" not in two.headers
    assert await count_sites(db, org) == 2


async def test_the_handlers_own_4xx_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    root = await auth_headers(app, await make_user(db, is_superadmin=True))
    taken = await make_user(db, email="taken@example.com")
    keyed = {**root, "Idempotency-Key": "email"}
    body = {"email": "taken@example.com", "full_name": "T", "password": "pw-123456789"}
    first = await client.post("/api/v1/users", json=body, headers=keyed)
    assert first.status_code == 409
    assert first.json()["code"] == "email_taken"
    await db.delete(taken)
    await db.commit()
    again = await client.post("/api/v1/users", json=body, headers=keyed)
    assert again.status_code == 409  # the first answer, although the email is free now
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    fresh = await client.post("/api/v1/users", json=body, headers={**root, "Idempotency-Key": "2"})
    assert fresh.status_code == 201


async def test_answers_given_before_the_handler_are_not_recorded(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    _, org = owner
    user = await make_user(db)
    membership = await add_member(db, org, user, Role.MEMBER)
    keyed = {**await auth_headers(app, user), "Idempotency-Key": "early"}
    url = f"/api/v1/organizations/{org.id}/sites"
    assert (await client.post(url, json=SITE, headers=keyed)).status_code == 403
    unauthenticated = await client.post(url, json=SITE, headers={"Idempotency-Key": "early"})
    assert unauthenticated.status_code == 401
    membership.role = Role.ADMIN.value
    await db.commit()
    invalid = await client.post(url, json={"name": ""}, headers=keyed)
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_failed"
    created = await client.post(url, json=SITE, headers=keyed)
    assert created.status_code == 201
    assert "idempotent-replayed" not in created.headers
    assert await db.scalar(select(func.count()).select_from(orm.IdempotencyKey)) == 1


async def test_a_post_without_a_key_writes_no_record(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    url = f"/api/v1/organizations/{org.id}/sites"
    for _ in range(2):
        assert (await client.post(url, json=SITE, headers=headers)).status_code == 201
    assert await count_sites(db, org) == 2
    assert await db.scalar(select(func.count()).select_from(orm.IdempotencyKey)) == 0


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement the app's writing engine sends, as it sends them."""
    sent: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


async def test_what_a_key_costs_in_statements(
    database: Database,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
    statements: list[str],
) -> None:
    """Without a key a POST sends exactly what it sent before (no look-up); with one, on
    PostgreSQL one statement more, the answer after the handler: the claim (the advisory lock
    included) rides in the caller check the write sends anyway. SQLite, embedded (no round
    trip), sends the claim on its own: two more. A replay sends the claim (and on SQLite one
    read), and no handler."""
    headers, org = owner
    url = f"/api/v1/organizations/{org.id}/sites"
    await client.post(url, json=SITE, headers=headers)  # warm caches (prepared statements)
    statements.clear()
    assert (await client.post(url, json=SITE, headers=headers)).status_code == 201
    plain = list(statements)
    assert not [s for s in plain if "idempotency_keys" in s]
    statements.clear()
    keyed = {**headers, "Idempotency-Key": "count"}
    assert (await client.post(url, json=SITE, headers=keyed)).status_code == 201
    postgres = database.engine.dialect.name == "postgresql"
    assert len(statements) == len(plain) + (1 if postgres else 2)
    assert sum("idempotency_keys" in s for s in statements) == 2
    if postgres:  # the claim and the caller check: one statement
        assert [s for s in statements if "idempotency_keys" in s and "login_sessions" in s]
    statements.clear()
    assert (await client.post(url, json=SITE, headers=keyed)).status_code == 201
    assert not [s for s in statements if "INSERT INTO sites" in s]
    # PostgreSQL finds the record in the claim itself; SQLite reads it after the claim.
    replay = 1 if postgres else 2
    assert sum("idempotency_keys" in s for s in statements) == replay


async def test_the_sweep_deletes_expired_records_only(
    client: httpx.AsyncClient,
    db: AsyncSession,
    database: Database,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    url = f"/api/v1/organizations/{org.id}/sites"
    for n in range(5):
        keyed = {**headers, "Idempotency-Key": f"sweep-{n}"}
        assert (await client.post(url, json=SITE, headers=keyed)).status_code == 201
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    rows = (await db.scalars(select(orm.IdempotencyKey).order_by(orm.IdempotencyKey.key))).all()
    for row in rows[:3]:
        row.created_at = old
    await db.commit()
    async with database.session() as session:
        deleted = await sweep(
            session, older_than=dt.datetime.now(dt.UTC) - dt.timedelta(hours=24), batch=2
        )
    assert deleted == 3
    left = await db.scalars(
        select(orm.IdempotencyKey.key).execution_options(populate_existing=True)
    )
    assert sorted(left) == ["sweep-3", "sweep-4"]
    # An expired key is free again: the retry runs anew.
    again = await client.post(url, json=SITE, headers={**headers, "Idempotency-Key": "sweep-0"})
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert uuid.UUID(again.json()["data"]["id"])


async def test_the_app_starts_the_sweep(settings: Settings, db: AsyncSession) -> None:
    """A new app's lifespan sweeps at once: records older than the TTL go, newer ones stay."""
    user = await make_user(db)
    now = dt.datetime.now(dt.UTC)
    for key, age in (("old", 30), ("new", 1)):
        db.add(
            orm.IdempotencyKey(
                caller=user.id,
                operation_id="createSite",
                key=key,
                fingerprint="f",
                status=201,
                headers="{}",
                body=b"{}",
                created_at=now - dt.timedelta(hours=age),
            )
        )
    await db.commit()
    app = create_app(settings.model_copy(update={"IDEMPOTENCY_KEY_TTL_HOURS": 24}))
    sweeper = app.state.idempotency_sweeper
    async with app.router.lifespan_context(app):
        for _ in range(3000):  # bounded (30 s), never hangs: the first round runs at start
            if sweeper.rounds:
                break
            await asyncio.sleep(0.01)
    assert sweeper.rounds >= 1
    left = await db.scalars(
        select(orm.IdempotencyKey.key).execution_options(populate_existing=True)
    )
    assert list(left) == ["new"]


async def test_a_key_still_in_use_is_409_with_retry_after(
    client: httpx.AsyncClient,
    db: AsyncSession,
    database: Database,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    """The first request is held inside its transaction (its counter upsert waits for a row lock
    this test holds); the repeat gets 409 at once instead of waiting; after the first commits,
    a repeat replays it."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs writers one at a time: a repeat waits, then replays")
    headers, org = owner
    await make_site(db, org)  # its counter row is the one the create waits for
    keyed = {**headers, "Idempotency-Key": "in-use"}
    url = f"/api/v1/organizations/{org.id}/sites"
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO site_counters%'"
    )
    async with database.session() as blocker:
        await blocker.execute(
            select(orm.SiteCounter)
            .where(orm.SiteCounter.organization_id == org.id)
            .with_for_update()
        )
        first = asyncio.ensure_future(client.post(url, json=SITE, headers=keyed))
        for _ in range(1200):  # bounded (60 s): until the first waits on the lock
            async with database.session() as probe:
                if await probe.scalar(waiting):
                    break
            await asyncio.sleep(0.05)
        second = await client.post(url, json=SITE, headers=keyed)
        assert second.status_code == 409
        assert second.json()["code"] == "idempotency_key_in_use"
        assert second.headers["retry-after"] == "1"
        await blocker.rollback()
    created = await first
    assert created.status_code == 201
    third = await client.post(url, json=SITE, headers=keyed)
    assert third.content == created.content
    assert third.headers["idempotent-replayed"] == "true"
    assert await count_sites(db, org) == 2
