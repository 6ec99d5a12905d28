"""One log line per request, found by its request id, named by operationId, carrying the caller's
user id and the client address and never a query string, email address, password or token."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.main import create_app
from app.observability.logs import JsonFormatter, TextFormatter
from tests.factories import PASSWORD, auth_headers, make_org, make_user

REQUESTS_LOGGER = "app.requests"


def lines_of(caplog: pytest.LogCaptureFixture, request_id: str) -> list[dict[str, Any]]:
    """The request log lines of one request, as the JSON formatter writes them."""
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    return [line for line in lines if line.get("request_id") == request_id]


async def test_a_request_is_logged_once_by_its_request_id(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUESTS_LOGGER)
    user = await make_user(db)
    org = await make_org(db, owner=user)
    headers = await auth_headers(app, user) | {"X-Request-ID": "find-me-0001"}
    response = await client.get(
        f"/api/v1/organizations/{org.id}/sites", params={"q": user.email}, headers=headers
    )
    assert response.status_code == 200
    (line,) = lines_of(caplog, "find-me-0001")
    assert line["logger"] == REQUESTS_LOGGER
    assert line["level"] == "INFO"
    assert line["operation"] == "listSites"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/organizations/{org_id}/sites"
    assert line["status"] == 200
    assert 0 < line["duration_ms"] < 60_000
    assert line["user_id"] == str(user.id)
    assert line["client_ip"] == "127.0.0.1"
    assert line["time"].endswith("+00:00")
    assert str(org.id) not in json.dumps(line)  # the template, not the raw path
    assert user.email not in json.dumps(line)  # nor the query string


async def test_refused_and_failed_requests_are_logged_with_their_problem(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUESTS_LOGGER)
    await client.get("/api/v1/users/me", headers={"X-Request-ID": "anonymous-0001"})
    await client.get("/nowhere", headers={"X-Request-ID": "unrouted-0001"})
    await client.get(
        "/health/live", headers={"X-Request-ID": "bad-version-1", "X-API-Version": "9"}
    )
    (anonymous,) = lines_of(caplog, "anonymous-0001")
    assert (anonymous["operation"], anonymous["status"]) == ("getCurrentUser", 401)
    assert anonymous["problem"] == "not_authenticated"
    assert "user_id" not in anonymous
    (unrouted,) = lines_of(caplog, "unrouted-0001")
    assert (unrouted["operation"], unrouted["status"], unrouted["route"]) == (
        "unmatched",
        404,
        None,
    )
    (refused,) = lines_of(caplog, "bad-version-1")
    assert (refused["status"], refused["problem"]) == (400, "unsupported_api_version")


async def test_no_line_carries_an_email_password_or_token(
    client: httpx.AsyncClient, db: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = await make_user(db)
    login = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    tokens = login.json()["data"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    await client.get("/api/v1/users", params={"q": user.email}, headers=bearer)
    await client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong-pass-1"})
    await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await client.get("/api/v1/users/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert caplog.records
    secrets = (
        user.email,
        PASSWORD,
        "wrong-pass-1",
        tokens["access_token"],
        tokens["refresh_token"],
    )
    for formatter in (JsonFormatter(), TextFormatter()):
        for record in caplog.records:
            line = formatter.format(record)
            assert not any(secret in line for secret in secrets), line


@pytest.mark.parametrize(("trusted", "logged"), [("127.0.0.1", "203.0.113.9"), ("", "127.0.0.1")])
async def test_the_client_ip_is_the_one_the_proxy_settings_trust(
    settings: Settings, caplog: pytest.LogCaptureFixture, trusted: str, logged: str
) -> None:
    caplog.set_level(logging.INFO, logger=REQUESTS_LOGGER)
    app = create_app(Settings(**{**settings.model_dump(), "FORWARDED_ALLOW_IPS": trusted}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 4321))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"X-Forwarded-For": "203.0.113.9", "X-Request-ID": f"proxied-{logged}"}
            await client.get("/health/live", headers=headers)
    (line,) = lines_of(caplog, f"proxied-{logged}")
    assert line["client_ip"] == logged
