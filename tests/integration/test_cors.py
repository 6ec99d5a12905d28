"""CORS: off by default; with CORS_ALLOW_ORIGINS, preflights from those origins are answered and
responses name the origin and the headers a browser client may read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from app.config.settings import Settings
from app.main import create_app

ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"CORS_ALLOW_ORIGINS": f"{ORIGIN}, http://x.test"}))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/api/v1/users/me", headers=PREFLIGHT)
    assert preflight.status_code == 405
    assert preflight.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in preflight.headers
    simple = await client.get("/health/live", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


async def test_a_preflight_from_a_listed_origin_is_answered(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.options("/api/v1/users/me", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_responses_to_a_listed_origin_expose_the_api_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.get("/api/v1/users/me", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert {"x-request-id", "location", "retry-after", "ratelimit-remaining"} <= set(
        exposed.replace(" ", "").split(",")
    )


@pytest.mark.parametrize(
    "headers",
    [
        PREFLIGHT | {"Origin": "https://evil.example.com"},
        PREFLIGHT | {"Access-Control-Request-Method": "PUT"},
        PREFLIGHT | {"Access-Control-Request-Headers": "x-secret"},
    ],
)
async def test_other_preflights_are_refused_with_a_problem(
    cors_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await cors_client.options("/api/v1/users/me", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "cors_preflight_refused"
    assert "access-control-allow-origin" not in response.headers
    other = await cors_client.get("/health/live", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("value", ["app.example.com", "ftp://x.test", "https://x.test/path"])
def test_origins_must_be_origins(value: str) -> None:
    with pytest.raises(ValidationError, match="CORS_ALLOW_ORIGINS"):
        Settings(APP_ENV="test", CORS_ALLOW_ORIGINS=value)
