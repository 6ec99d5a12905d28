"""Shared fixtures: a migrated test database (SQLite by default, TEST_DATABASE_URL to choose;
one per pytest-xdist worker), the app on it, an HTTP client, and clean tables for every test."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings, normalize_database_url
from app.data.database import Base, Database
from app.main import create_app
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# APP_ENV=test, like production, refuses to start without a strong key of its own.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "0123456789" * 4)


PERFORMANCE = ROOT / "tests" / "performance"
CLUSTER = ROOT / "tests" / "cluster"


def pytest_configure(config: pytest.Config) -> None:
    """`pytest tests/performance/...` runs the benchmarks it names, `pytest tests/cluster/...`
    the cluster checks; every other run leaves them out (the `-m 'not performance ...'` of
    addopts)."""
    named = [
        (config.invocation_params.dir / str(arg).split("::")[0]).resolve() for arg in config.args
    ]
    for folder, marker in ((PERFORMANCE, "performance"), (CLUSTER, "cluster")):
        if named and all(path.is_relative_to(folder) for path in named):
            config.option.markexpr = marker


GENEROUS_RATE_LIMITS = {
    "RATE_LIMIT_ENABLED": True,
    "RATE_LIMIT_LOGIN_PER_IP": "1000000/minute",
    "RATE_LIMIT_LOGIN_PER_EMAIL": "1000000/minute",
    "RATE_LIMIT_AUTHENTICATED": "1000000/minute",
    "RATE_LIMIT_ANONYMOUS": "1000000/minute",
}
"""Limits stay on (every response carries RateLimit-* headers) but never bite; the rate-limit
tests build apps of their own with small limits."""


def _test_database_url(tmp_dir: Path) -> str:
    """SQLite in this session's temporary directory, or TEST_DATABASE_URL; under pytest-xdist a
    PostgreSQL database of the worker's own (`<name>_gw0`, ...), created when missing."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_dir / 'test.db'}"
    url = normalize_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        url = worker_database(url, worker)
    return url


def worker_database(url: str, worker: str) -> str:
    """The URL of the xdist worker's own PostgreSQL database next to url's, created if missing."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def wipe(url: str) -> None:
    """Drop everything in a PostgreSQL test database (SQLite test databases start as new files)."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def alembic_config(url: str) -> Config:
    """Alembic's configuration, aimed at the given database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str) -> None:
    """Build the schema from nothing with the migrations, as a new deployment would."""
    wipe(url)
    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings of the app under test, on a freshly migrated database."""
    with tempfile.TemporaryDirectory() as tmp:
        url = _test_database_url(Path(tmp))
        migrate(url)
        yield Settings(
            APP_ENV="test",
            DATABASE_URL=url,
            FIRST_SUPERUSER_EMAIL=SUPERADMIN_EMAIL,
            FIRST_SUPERUSER_PASSWORD=SUPERADMIN_PASSWORD,
            **GENEROUS_RATE_LIMITS,
        )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The application, started (lifespan run) once for the session."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def database(app: FastAPI) -> Database:
    """The app's own Database."""
    db: Database = app.state.database
    return db


@pytest.fixture(autouse=True)
async def clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table after each test that used the database, keeping the first superadmin."""
    if "app" not in request.fixturenames:
        yield
        return
    database: Database = request.getfixturevalue("database")
    yield
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "users":
                await session.execute(
                    text("DELETE FROM users WHERE email != :email"), {"email": SUPERADMIN_EMAIL}
                )
            else:
                await session.execute(table.delete())
        await session.commit()


@pytest.fixture
async def db(database: Database) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data directly (commit what you arrange)."""
    async with database.session() as session:
        yield session


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
def redis_url() -> str:
    """TEST_REDIS_URL (set by .ci/run); tests needing Redis are skipped without it, and fail
    when it is set but Redis does not answer."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set; .ci/run sets it to the machine's Redis")
    redis.Redis.from_url(url).ping()
    return url


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word, like a frozen server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])
