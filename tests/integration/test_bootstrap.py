"""The first superadmin is created once, even by several workers starting together."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.bootstrap import ensure_first_superuser
from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database


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
