"""Deadlocks and serialization failures: the unit of work runs again (a bounded number of times,
after a random delay), and collisions that persist answer 409 `conflict_retry` with Retry-After,
never 503 `database_unavailable`."""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx
import psycopg.errors
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.data.database import Database
from app.data.repositories.sites import SiteRepository
from app.data.unit_of_work import ATTEMPTS, UnitOfWork, with_retries
from app.domain.errors import WriteConflict
from tests.factories import auth_headers, make_org, make_site, make_user

LOCK_COUNTER = text(
    "UPDATE site_counters SET sites = sites + :delta WHERE organization_id = :org AND status = :s"
)


def serialization_failure() -> OperationalError:
    """What SQLAlchemy raises when PostgreSQL ends a transaction with SQLSTATE 40001."""
    return OperationalError(
        "UPDATE sites ...", {}, psycopg.errors.SerializationFailure("could not serialize access")
    )


async def counts(db: AsyncSession, org_id: uuid.UUID) -> dict[str, int]:
    rows = await db.execute(
        text("SELECT status, sites FROM site_counters WHERE organization_id = :org"),
        {"org": org_id},
    )
    return {status: sites for status, sites in rows}


async def test_a_real_deadlock_is_retried_and_the_write_applied_once(
    database: Database, db: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A unit of work and another transaction lock two counter rows in opposite orders;
    PostgreSQL ends the unit of work (its deadlock check fires first), which runs again and
    commits once the other transaction is done."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: it cannot deadlock")
    org = await make_org(db)
    await make_site(db, org, status="active")
    await make_site(db, org, status="inactive")
    holds_active, other_holds_inactive = asyncio.Event(), asyncio.Event()
    tries: list[int] = []

    async def unit_of_work() -> str:
        work = UnitOfWork(database, read_only=False)
        tries.append(len(tries) + 1)
        try:
            await work.session.execute(LOCK_COUNTER, {"delta": 1, "org": org.id, "s": "active"})
            if len(tries) == 1:
                holds_active.set()
                await other_holds_inactive.wait()
            await work.session.execute(LOCK_COUNTER, {"delta": -1, "org": org.id, "s": "inactive"})
        except BaseException as error:
            await work.finish(error)
            raise
        await work.finish(None)
        return "committed"

    async def other_transaction() -> None:
        await holds_active.wait()
        async with database.engine.connect() as connection:
            # This one waits longer before checking for a deadlock: the unit of work is the victim.
            await connection.execute(text("SET LOCAL deadlock_timeout = '60s'"))
            await connection.execute(LOCK_COUNTER, {"delta": 0, "org": org.id, "s": "inactive"})
            other_holds_inactive.set()
            await connection.execute(LOCK_COUNTER, {"delta": 0, "org": org.id, "s": "active"})
            await connection.commit()

    with caplog.at_level(logging.WARNING, logger="app.data.unit_of_work"):
        result, _ = await asyncio.gather(with_retries(unit_of_work), other_transaction())

    assert result == "committed"
    assert tries == [1, 2]
    assert "deadlock in attempt 1 of 3; retrying" in caplog.text
    assert await counts(db, org.id) == {"active": 2, "inactive": 0}


async def test_other_database_errors_are_not_retried() -> None:
    tries: list[int] = []

    async def down() -> None:
        tries.append(1)
        raise OperationalError("SELECT 1", {}, psycopg.errors.AdminShutdown("terminating"))

    with pytest.raises(OperationalError):
        await with_retries(down)
    assert tries == [1]


async def test_persistent_collisions_raise_write_conflict_after_the_last_attempt() -> None:
    tries: list[int] = []

    async def colliding() -> None:
        tries.append(1)
        raise serialization_failure()

    with pytest.raises(WriteConflict) as raised:
        await with_retries(colliding, attempts=4, delay_seconds=0.001)
    assert len(tries) == 4
    assert raised.value.status == 409
    assert raised.value.problem_code == "conflict_retry"
    assert raised.value.headers == {"Retry-After": "1"}


async def test_persistent_collisions_answer_409_conflict_retry_and_count_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    site = await make_site(db, org)
    headers = await auth_headers(app, owner)
    path = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    tries: list[int] = []

    async def colliding(self: SiteRepository, org_id: uuid.UUID, site_id: uuid.UUID) -> bool:
        tries.append(1)
        raise serialization_failure()

    before = await client.get(path, headers=headers)
    monkeypatch.setattr(SiteRepository, "remove", colliding)
    response = await client.delete(path, headers=headers)
    monkeypatch.undo()
    after = await client.get(path, headers=headers)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "conflict_retry"
    assert len(tries) == ATTEMPTS
    assert after.status_code == 200  # nothing was applied
    # Every attempt re-ran authorization, but the request counted once against the rate limit.
    remaining = int(before.headers["ratelimit-remaining"]) - int(
        after.headers["ratelimit-remaining"]
    )
    assert remaining == 2


async def test_sites_change_and_delete_only_through_the_counting_methods(db: AsyncSession) -> None:
    site = orm.Site(organization_id=uuid.uuid4(), name="x", timezone="UTC", status="active")
    with pytest.raises(TypeError, match="change"):
        await SiteRepository(db).save(site)
    with pytest.raises(TypeError, match="remove"):
        await SiteRepository(db).delete(site)
