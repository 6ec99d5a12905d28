"""No email, password (hash) or statement parameter in an error message or log line the
service writes about the database."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from app.access.bootstrap import ensure_first_superuser
from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database
from app.observability.logs import describe_error


def user(email: str, password_hash: str) -> orm.User:
    return orm.User(
        email=email, full_name="N", password_hash=password_hash, is_active=True, is_superadmin=False
    )


async def test_constraint_errors_carry_no_values(database: Database) -> None:
    email = f"dup-{uuid.uuid4().hex[:8]}@example.com"
    async with database.session() as session:
        session.add(user(email, "first-hash"))
        await session.commit()
    with pytest.raises(IntegrityError) as refused:
        async with database.session() as session:
            session.add(user(email, "second-hash-must-not-leak"))
            await session.commit()
    assert "second-hash-must-not-leak" not in str(refused.value)  # parameters are hidden
    assert email not in describe_error(refused.value)  # and so is PostgreSQL's DETAIL line


async def test_creating_the_first_superuser_logs_no_email(
    app: FastAPI, database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    email = f"first-{uuid.uuid4().hex[:8]}@example.com"
    other = settings.model_copy(update={"FIRST_SUPERUSER_EMAIL": email})
    await ensure_first_superuser(database, other, app.state.passwords)
    assert "created the first superadmin" in caplog.text
    assert email not in caplog.text
