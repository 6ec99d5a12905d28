"""The first superadmin is created once, even by several workers starting together; with the
database down at start-up the start-up tasks retry in the background and readiness fails."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.bootstrap import StartupTasks, ensure_first_superuser
from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database
from tests.live_server import free_port


async def test_concurrent_start_creates_one_superadmin(
    database: Database, settings: Settings, db: AsyncSession
) -> None:
    fresh = settings.model_copy(
        update={
            "FIRST_SUPERUSER_EMAIL": "Boss@Example.com",
            "FIRST_SUPERUSER_PASSWORD": settings.FIRST_SUPERUSER_PASSWORD,
        }
    )
    await asyncio.gather(
        *(ensure_first_superuser(database, fresh, PasswordHasher(fresh)) for _ in range(4))
    )
    await ensure_first_superuser(database, fresh, PasswordHasher(fresh))
    count = await db.scalar(
        select(func.count()).select_from(orm.User).where(orm.User.email == "boss@example.com")
    )
    assert count == 1
    user = await db.scalar(select(orm.User).where(orm.User.email == "boss@example.com"))
    assert user is not None and user.is_superadmin and user.is_active


async def test_nothing_to_do_without_configuration(database: Database, settings: Settings) -> None:
    unset = settings.model_copy(
        update={"FIRST_SUPERUSER_EMAIL": None, "FIRST_SUPERUSER_PASSWORD": None}
    )
    await ensure_first_superuser(database, unset, PasswordHasher(unset))


async def test_start_up_tasks_retry_while_the_database_refuses(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    down = settings.model_copy(
        update={"DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"}
    )
    database = Database(down)
    tasks = StartupTasks(database, down, PasswordHasher(down))
    await tasks.start()  # returns: the process goes on, unready
    assert not tasks.done
    await asyncio.wait_for(_logged(caplog, "attempt 2"), timeout=30)  # retried in the background
    assert not tasks.done
    await tasks.stop()
    await database.dispose()


async def test_start_up_tasks_done_at_once_when_the_database_answers(
    database: Database, settings: Settings
) -> None:
    tasks = StartupTasks(database, settings, PasswordHasher(settings))
    await tasks.start()
    assert tasks.done
    await tasks.stop()  # nothing left to cancel


async def test_readiness_fails_until_the_start_up_tasks_are_done(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    startup: StartupTasks = app.state.startup
    startup.done = False
    try:
        pending = await client.get("/health/ready")
    finally:
        startup.done = True
    assert pending.status_code == 503
    check = next(c for c in pending.json()["checks"] if c["name"] == "startup")
    assert (check["status"], check["detail"]) == ("fail", "start-up tasks pending (retrying)")
    assert (await client.get("/health/ready")).status_code == 200


async def _logged(caplog: pytest.LogCaptureFixture, words: str) -> None:
    for _ in range(1000):
        if words in caplog.text:
            return
        await asyncio.sleep(0.05)
