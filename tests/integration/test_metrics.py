"""/metrics in-process: requests counted by operationId (never by raw path), login outcomes,
rate-limit rejections, database outages, the pools, build info; the endpoint's token, its
switch, and that it is neither rate limited nor part of the spec."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.main import create_app
from app.observability.build import VERSION
from tests.factories import PASSWORD, auth_headers, make_org, make_site, make_user
from tests.metrics_scrape import Samples, difference, parse, requests, value

TOKEN = "metrics-token-" + "x" * 32
LOGIN = "/api/v1/auth/login"


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


@asynccontextmanager
async def own_app(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A started app of its own (its own registry and counters) with the given settings."""
    app = create_app(Settings(**{**settings.model_dump(), **overrides}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_requests_are_counted_by_operation_id_method_and_status_class(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    site = await make_site(db, org)
    headers = await auth_headers(app, user)
    before = await scrape(client)
    for _ in range(3):
        assert (
            await client.get(f"/api/v1/organizations/{org.id}/sites/{site.id}", headers=headers)
        ).status_code == 200
    missing = uuid.uuid4()
    assert (
        await client.get(f"/api/v1/organizations/{org.id}/sites/{missing}", headers=headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/organizations/{org.id}/sites", headers=headers)
    ).status_code == 200
    assert (await client.get("/no/such/path")).status_code == 404
    assert (await client.request("BREW", "/health/live")).status_code == 405
    assert (await client.request("TRACE", "/health/live")).status_code == 405
    assert (await client.get("/docs/assets/swagger-ui.css")).status_code == 200
    for _ in range(2):
        assert (await client.get("/health/live")).status_code == 200
    after = await scrape(client)

    grown = difference(after, before, "orgsites_http_requests_total")
    assert grown == {
        frozenset({"operation": "getSite", "method": "GET", "status_class": "2xx"}.items()): 3,
        frozenset({"operation": "getSite", "method": "GET", "status_class": "4xx"}.items()): 1,
        frozenset({"operation": "listSites", "method": "GET", "status_class": "2xx"}.items()): 1,
        frozenset({"operation": "unmatched", "method": "GET", "status_class": "4xx"}.items()): 1,
        frozenset({"operation": "unmatched", "method": "other", "status_class": "4xx"}.items()): 1,
        frozenset({"operation": "unmatched", "method": "TRACE", "status_class": "4xx"}.items()): 1,
        frozenset({"operation": "getLiveness", "method": "GET", "status_class": "2xx"}.items()): 2,
        frozenset({"operation": "metrics", "method": "GET", "status_class": "2xx"}.items()): 1,
        frozenset({"operation": "docs-assets", "method": "GET", "status_class": "2xx"}.items()): 1,
    }
    durations = difference(after, before, "orgsites_http_request_duration_seconds_count")
    assert durations == grown
    labels = {"operation": "getSite", "method": "GET", "status_class": "2xx"}
    slowest = value(after, "orgsites_http_request_duration_seconds_bucket", **labels, le="+Inf")
    assert slowest == requests(after, "getSite", "GET", "2xx")
    assert str(site.id) not in str(after)  # ids never become labels
    assert value(after, "orgsites_http_requests_in_flight") == 1  # the scrape itself


async def test_login_outcomes_and_rate_limit_rejections(
    settings: Settings, db: AsyncSession
) -> None:
    user = await make_user(db)
    async with own_app(settings, RATE_LIMIT_LOGIN_PER_EMAIL="3/minute") as client:
        sign_in = {"email": user.email, "password": PASSWORD}
        assert (await client.post(LOGIN, json=sign_in)).status_code == 200
        wrong = sign_in | {"password": "not-the-password"}
        assert (await client.post(LOGIN, json=wrong)).status_code == 401
        unknown = {"email": "nobody@example.com", "password": PASSWORD}
        assert (await client.post(LOGIN, json=unknown)).status_code == 401
        for _ in range(2):
            assert (await client.post(LOGIN, json=sign_in)).status_code in (200, 429)
        assert (await client.post(LOGIN, json=sign_in)).status_code == 429
        assert (await client.post(LOGIN, json={"email": 5})).status_code == 422
        samples = await scrape(client)
    assert value(samples, "orgsites_logins_total", outcome="success") == 2
    assert value(samples, "orgsites_logins_total", outcome="invalid_credentials") == 2
    assert value(samples, "orgsites_logins_total", outcome="rate_limited") == 2
    rejected = difference(samples, {}, "orgsites_rate_limit_rejections_total")
    assert rejected == {frozenset({"policy": "credentials", "scope": "account"}.items()): 2}
    assert requests(samples, "login", "POST", "4xx") == 5
    assert user.email not in str(samples)


async def test_the_anonymous_limit_is_counted_and_metrics_are_never_limited(
    settings: Settings,
) -> None:
    async with own_app(settings, RATE_LIMIT_ANONYMOUS="2/minute") as client:
        statuses = [(await client.get("/api/v1/users/me")).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        for _ in range(5):
            samples = await scrape(client)
    rejected = difference(samples, {}, "orgsites_rate_limit_rejections_total")
    assert rejected == {frozenset({"policy": "standard", "scope": "anonymous"}.items()): 1}


async def test_database_unavailable_answers_are_counted(tmp_path: Path) -> None:
    (tmp_path / "app.db").mkdir()  # a directory where the database file should be
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    async with own_app(Settings(APP_ENV="test", DATABASE_URL=url)) as client:
        for _ in range(2):
            response = await client.post(
                LOGIN, json={"email": "a@example.com", "password": "x" * 9}
            )
            assert response.status_code == 503
        assert (await client.get("/health/ready")).status_code == 503
        samples = await scrape(client)
    assert value(samples, "orgsites_database_unavailable_total") == 2  # not the health probe
    assert requests(samples, "getReadiness", "GET", "5xx") == 1
    # The probe's failed checks, for the alert when no client request reaches an unready pod.
    failed = difference(samples, {}, "orgsites_health_check_failures_total")
    assert failed == {
        frozenset({("check", "database")}): 1,
        frozenset({("check", "migrations")}): 1,
    }
    assert ("orgsites_health_check_failures_total", frozenset({("check", "startup")})) in samples


async def test_pools_report_their_size_and_give_every_connection_back(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    user = await make_user(db)
    headers = await auth_headers(app, user)
    before = await scrape(client)
    assert (
        await client.post("/api/v1/organizations", json={"name": "Acme"}, headers=headers)
    ).status_code == 201
    assert (await client.get("/api/v1/organizations", headers=headers)).status_code == 200
    after = await scrape(client)
    pools = ["orm"] if settings.is_sqlite else ["orm", "reads"]
    for pool in pools:
        assert value(after, "orgsites_db_pool_size", pool=pool) >= 1
        assert value(after, "orgsites_db_pool_checked_out", pool=pool) == 0
        waits = value(after, "orgsites_db_pool_wait_seconds_count", pool=pool)
        assert waits > value(before, "orgsites_db_pool_wait_seconds_count", pool=pool)
    if not settings.is_sqlite:
        expected = settings.DB_POOL_SIZE + settings.DB_MAX_OVERFLOW
        assert value(after, "orgsites_db_pool_size", pool="reads") == expected


async def test_build_info_names_the_version_and_revision(client: httpx.AsyncClient) -> None:
    samples = await scrape(client)
    builds = difference(samples, {}, "orgsites_build_info")
    assert len(builds) == 1
    (labels,) = builds
    assert dict(labels)["version"] == VERSION
    assert dict(labels)["revision"]


async def test_a_metrics_token_is_required_when_set(settings: Settings) -> None:
    async with own_app(settings, METRICS_TOKEN=TOKEN) as client:
        refused = await client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer " + "y" * 46})
        assert wrong.status_code == 401
        await scrape(client, Authorization=f"Bearer {TOKEN}")


async def test_metrics_can_be_switched_off(settings: Settings) -> None:
    async with own_app(settings, METRICS_ENABLED=False) as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/health/live")).status_code == 200


def test_a_short_metrics_token_is_refused() -> None:
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        Settings(APP_ENV="test", METRICS_TOKEN="short")
