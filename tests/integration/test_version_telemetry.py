"""Operators see who still uses v1: the metrics and the request log line carry the API version."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from tests.factories import auth_headers, make_user
from tests.integration.test_metrics import own_app, scrape
from tests.integration.test_request_log import REQUESTS_LOGGER, lines_of
from tests.metrics_scrape import difference

COUNTER = "orgsites_api_version_requests_total"


async def test_requests_are_counted_by_the_version_that_answered(settings: Settings) -> None:
    async with own_app(settings) as client:
        before = await scrape(client)
        await client.get("/api/v1/users/me")
        await client.get("/api/v2/users/me")
        await client.get("/api/v2/users/me")
        await client.get("/health/live", headers={"X-API-Version": "2"})
        after = await scrape(client)
    grown = difference(after, before, COUNTER)
    assert grown[frozenset({("api_version", "1"), ("operation", "getCurrentUser")})] == 1
    assert grown[frozenset({("api_version", "2"), ("operation", "getCurrentUser")})] == 2
    assert grown[frozenset({("api_version", "2"), ("operation", "getLiveness")})] == 1


@pytest.mark.parametrize("version", [1, 2])
async def test_the_log_line_names_the_version(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    caplog: pytest.LogCaptureFixture,
    version: int,
) -> None:
    caplog.set_level(logging.INFO, logger=REQUESTS_LOGGER)
    headers = await auth_headers(app, await make_user(db)) | {"X-Request-ID": f"version-{version}"}
    response = await client.get(f"/api/v{version}/users/me", headers=headers)
    assert response.status_code == 200
    (line,) = lines_of(caplog, f"version-{version}")
    assert line["api_version"] == version
    assert line["route"] == f"/api/v{version}/users/me"
