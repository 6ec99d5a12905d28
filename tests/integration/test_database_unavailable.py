"""A database that refuses, or accepts and then never answers, gives 503 `database_unavailable`
problems with Retry-After (never a 500), and health bodies that name the failing dependency
without the driver's text, which goes to the log with the request id."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config.settings import Settings
from app.data.bounded_wait import settle
from app.main import create_app
from tests.factories import bearer_headers
from tests.live_server import ROOT, free_port

DRIVER_WORDS = ("127.0.0.1", "port", "psycopg", "sqlite", "sqlalche", "connection", "refused")


async def client_for(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield app, client
    await settle(30)  # let requests cut off by the deadline wind down before the loop closes


def assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert not any(word in response.text.lower() for word in DRIVER_WORDS), response.text


async def check_everything_unavailable(
    client: httpx.AsyncClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    calls = {
        "login": (
            "POST",
            "/api/v1/auth/login",
            {"email": "a@example.com", "password": "long-enough-1"},
            {},
        ),
        "me": ("GET", "/api/v1/users/me", None, bearer_headers(app, uuid.uuid4(), uuid.uuid4())),
        "create": (
            "POST",
            "/api/v1/organizations",
            {"name": "Acme"},
            bearer_headers(app, uuid.uuid4(), uuid.uuid4()),
        ),
    }
    for name, (method, path, body, headers) in calls.items():
        response = await client.request(
            method, path, json=body, headers=headers | {"X-Request-ID": f"req-{name}"}
        )
        assert_database_unavailable(response)
        assert f"req-{name}" in caplog.text
    for path in ("/health/ready", "/health/deps"):
        health = await client.get(path)
        assert health.status_code == 503
        database = next(c for c in health.json()["checks"] if c["name"] == "database")
        assert database["status"] == "fail"
        assert not any(word in health.text.lower() for word in DRIVER_WORDS), health.text
    assert (await client.get("/health/live")).status_code == 200


async def test_refused_postgresql_connections_answer_503(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    async for app, client in client_for(Settings(APP_ENV="test", DATABASE_URL=url)):
        await check_everything_unavailable(client, app, caplog)
        ready = await client.get("/health/ready")
        assert ready.json()["checks"][0]["detail"] == "unreachable"


async def test_an_unopenable_sqlite_database_answers_503(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    (tmp_path / "app.db").mkdir()  # a directory where the database file should be
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    async for app, client in client_for(Settings(APP_ENV="test", DATABASE_URL=url)):
        await check_everything_unavailable(client, app, caplog)


async def test_a_database_that_never_answers_is_cut_off_by_the_deadline(
    black_hole: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings(
        APP_ENV="test",
        DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{black_hole}/none",
        DB_CONNECT_TIMEOUT_SECONDS=30,
        # Health probes get half of it: 0.5 s of margin before the deadline would cut off the
        # health answer too (0.25 s was not enough on a loaded machine).
        REQUEST_TIMEOUT_SECONDS=1.0,
    )
    async for app, client in client_for(settings):
        await check_everything_unavailable(client, app, caplog)
        ready = await client.get("/health/ready")
        assert ready.json()["checks"][0]["detail"].startswith("timed out")
        assert "got no database answer" in caplog.text
        # Requests that wound down are not waited for at shutdown (this very task served them).
        started = time.monotonic()
        await settle(30)
        assert time.monotonic() - started < 5


def test_every_operation_that_reads_the_database_documents_503() -> None:
    spec = json.loads((ROOT / "generated" / "openapi.json").read_text())
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                documented = "503" in operation["responses"]
                assert documented != (operation["operationId"] == "getLiveness"), operation
