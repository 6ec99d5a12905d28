"""Cross-cutting behaviour: problem details, request ids, API versions, health and docs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from app.config.settings import Settings
from app.main import create_app
from tests.conftest import alembic_config

GENERATED = Path(__file__).resolve().parents[2] / "generated"


async def test_every_response_carries_version_and_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.headers["x-api-version"] == "1"
    assert len(response.headers["x-request-id"]) == 32
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    replaced = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith tabs"})
    assert replaced.headers["x-request-id"] != "bad id\twith tabs"


async def test_unsupported_api_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/users/me", headers={"X-API-Version": "2"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unsupported_api_version"
    assert "supported versions: 1" in body["detail"]
    assert response.headers["x-api-version"] == "1"
    assert (await client.get("/health/live", headers={"X-API-Version": "1"})).status_code == 200


async def test_unknown_route_and_wrong_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "code", "request_id"}
    assert body["instance"] == "/api/v1/nothing-here"
    assert body["request_id"] == missing.headers["x-request-id"]
    wrong = await client.put("/api/v1/organizations")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, POST"
    assert wrong.json()["code"] == "method_not_allowed"
    assert wrong.headers["x-request-id"] == wrong.json()["request_id"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/users/me", "GET, HEAD, PATCH"),
        ("OPTIONS", "/api/v1/users/me", "GET, HEAD, PATCH"),
        ("PUT", "/api/v1/users/0b5e3c5e-8a53-4f4e-9d55-2f7d1c6c9a10", "DELETE, GET, HEAD, PATCH"),
        ("POST", "/health/live", "GET, HEAD"),
        ("HEAD", "/api/v1/auth/login", "POST"),
    ],
)
async def test_allow_lists_what_the_spec_serves_on_that_path(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_health(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert live.json()["data"]["status"] == "pass"
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    names = {check["name"] for check in ready.json()["data"]["checks"]}
    assert names == {"database", "migrations", "startup"}
    deps = await client.get("/health/deps")
    assert deps.status_code == 200
    assert deps.json()["data"]["checks"][0]["latency_ms"] >= 0


async def test_not_ready_when_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(APP_ENV="test", DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in ("/health/ready", "/health/deps"):
            response = await client.get(path)
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["checks"][0]["status"] == "fail"
        assert (await client.get("/health/live")).status_code == 200


async def test_not_ready_when_not_migrated(tmp_path: Path) -> None:
    settings = Settings(APP_ENV="test", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    checks = {check["name"]: check["status"] for check in response.json()["checks"]}
    # No lifespan ran (the transport does not run it): the start-up tasks are pending too.
    assert checks == {"database": "pass", "migrations": "fail", "startup": "fail"}


async def readiness_at(tmp_path: Path, revision: str, stamp: str | None = None) -> httpx.Response:
    """/health/ready of this release on a SQLite schema migrated to ``revision`` and then
    stamped ``stamp`` (a revision id this release may not know)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"
    # Alembic runs its own event loop: in a thread of its own, off this test's.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
    if stamp is not None:
        engine = create_engine(url.replace("+aiosqlite", ""))
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": stamp})
        engine.dispose()
    app = create_app(Settings(APP_ENV="test", DATABASE_URL=url))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    # The app's lifespan runs its start-up tasks, so the readiness answer is about the schema.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        return await client.get("/health/ready")


async def test_ready_on_a_later_releases_schema(tmp_path: Path) -> None:
    """A rolling migration: a later release's (expand-only) revision is applied while this
    release still serves; this release stays ready instead of leaving the pool."""
    response = await readiness_at(tmp_path, "head", stamp="9999_a_later_release")
    assert response.status_code == 200, response.text
    check = response.json()["data"]["checks"][1]
    assert check["name"] == "migrations"
    assert "newer than this release" in check["detail"]


async def test_not_ready_on_an_older_schema(tmp_path: Path) -> None:
    """A schema behind this release (a revision it knows, not its head) is still not ready."""
    response = await readiness_at(tmp_path, "0003")
    assert response.status_code == 503
    checks = {check["name"]: check["status"] for check in response.json()["checks"]}
    assert checks == {"database": "pass", "migrations": "fail", "startup": "pass"}


async def test_spec_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = await client.get("/api/v1/openapi.json")
    assert spec.json() == json.loads((GENERATED / "openapi.json").read_text())
    yaml_spec = await client.get("/api/v1/openapi.yaml")
    assert yaml_spec.content == (GENERATED / "openapi.yaml").read_bytes()
    page = await client.get("/docs")
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text
    asset = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.fixture
def failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/conflict")
    async def conflict() -> None:
        raise IntegrityError("INSERT INTO secret", {}, Exception("duplicate key"))

    return app


async def test_unexpected_errors_hide_internals(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        boom = await client.get("/boom", headers={"X-Request-ID": "trace-me"})
        assert boom.status_code == 500
        assert boom.headers["content-type"] == "application/problem+json"
        assert boom.headers["x-request-id"] == "trace-me"
        assert "secret" not in boom.text and "Traceback" not in boom.text
        conflict = await client.get("/conflict")
        assert conflict.status_code == 409
        assert "INSERT" not in conflict.text


async def test_unknown_query_parameters_are_rejected(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", params={"verbose": "1"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "query.verbose", "message": "Unknown query parameter", "type": "extra_forbidden"}
    ]


async def test_nul_characters_are_rejected_before_the_database(client: httpx.AsyncClient) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": "root@example.com", "password": "root-password-123"}
    )
    headers = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
    search = await client.get("/api/v1/users", params={"q": "a\x00b"}, headers=headers)
    assert search.status_code == 422
    created = await client.post("/api/v1/organizations", json={"name": "a\x00b"}, headers=headers)
    assert created.status_code == 422
