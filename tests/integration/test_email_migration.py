"""Migration 0004 stores every existing email in its canonical form, and refuses (changing
nothing, naming the users) when two existing users' emails collapse to one (issue 18, finding 5).

Runs on the suite's database kind: a SQLite file, or a PostgreSQL database of its own next to
TEST_DATABASE_URL's."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st

from app.config.settings import normalize_database_url
from app.domain.emails import canonical_email
from tests.conftest import ROOT, alembic_config, wipe, worker_database

MIGRATION = ROOT / "alembic" / "versions" / "0004_canonical_emails.py"
USERS = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("full_name", sa.String()),
    sa.column("password_hash", sa.String()),
    sa.column("is_active", sa.Boolean()),
    sa.column("is_superadmin", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


@cache
def migration() -> ModuleType:
    """The migration module (alembic/versions is not a package)."""
    spec = importlib.util.spec_from_file_location("migration_0004", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, migrated to 0003 (before canonical emails)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database = worker_database(normalize_database_url(base), f"{worker}_emails")
        wipe(database)
    else:
        database = f"sqlite+aiosqlite:///{tmp_path / 'emails.db'}"
    command.upgrade(alembic_config(database), "0003")
    yield database
    wipe(database)


def sync_engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("+aiosqlite", ""))


def insert_users(url: str, emails: list[str]) -> list[uuid.UUID]:
    now = dt.datetime.now(dt.UTC)
    ids = [uuid.uuid4() for _ in emails]
    engine = sync_engine(url)
    with engine.begin() as connection:
        connection.execute(
            USERS.insert(),
            [
                {
                    "id": user_id,
                    "email": email,
                    "full_name": "Someone",
                    "password_hash": "x",
                    "is_active": True,
                    "is_superadmin": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for user_id, email in zip(ids, emails, strict=True)
            ],
        )
    engine.dispose()
    return ids


def stored(url: str) -> dict[uuid.UUID, str]:
    engine = sync_engine(url)
    with engine.connect() as connection:
        rows = {
            row.id: row.email for row in connection.execute(sa.select(USERS.c.id, USERS.c.email))
        }
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    rows[uuid.UUID(int=0)] = str(revision)  # the revision, under the nil id
    return rows


def test_existing_emails_are_stored_canonical(url: str) -> None:
    emails = [
        "ada@example.com",
        "\uff42ob@examp\uff4ce.com",  # fullwidth b and l
        "carol@b\u00fccher.example",
        "DAVE@EXAMPLE.COM",
    ]
    ids = insert_users(url, emails)
    command.upgrade(alembic_config(url), "0004")
    after = stored(url)
    assert [after[user_id] for user_id in ids] == [
        "ada@example.com",
        "bob@example.com",
        "carol@xn--bcher-kva.example",
        "dave@example.com",
    ]
    assert after[uuid.UUID(int=0)] == "0004"


def test_emails_that_collapse_to_one_stop_the_upgrade_and_change_nothing(url: str) -> None:
    emails = [
        "ada@example.com",
        "\uff41da@example.com",  # fullwidth a: the same address
        "bob@b\u00fccher.example",
        "bob@xn--bcher-kva.example",  # the same domain in ASCII
        "carol@example.com",
    ]
    ids = insert_users(url, emails)
    before = stored(url)
    with pytest.raises(Exception, match="cannot store every email in its canonical form") as info:
        command.upgrade(alembic_config(url), "0004")
    message = str(info.value)
    assert "'ada@example.com' is the email of 2 users" in message
    assert "'bob@xn--bcher-kva.example' is the email of 2 users" in message
    for user_id in ids[:4]:
        assert str(user_id) in message
    assert str(ids[4]) not in message
    assert stored(url) == before  # still at 0003, every email as it was


@given(st.emails() | st.text(min_size=1, max_size=40))
def test_the_migration_s_rule_is_app_emails_rule(email: str) -> None:
    frozen = migration().canonical_email
    try:
        expected = canonical_email(email)
    except ValueError:
        with pytest.raises(ValueError):
            frozen(email)
        return
    assert frozen(email) == expected
