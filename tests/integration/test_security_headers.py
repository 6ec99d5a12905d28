"""Security headers on every response, no-store on API responses (tokens above all), and no
`Server` header from the real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD
from tests.live_server import live_server, throwaway_env

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_secured(response: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.url, name)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/api/v1/users/me", 401),
        ("GET", "/api/v1/nowhere", 404),
        ("PUT", "/api/v1/users/me", 405),
        ("GET", "/api/v1/organizations?per_page=0", 401),
        ("GET", "/docs", 200),
        ("GET", "/api/v1/openapi.json", 200),
    ],
)
async def test_every_response_is_secured(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert_secured(response)
    if path.startswith("/api/v1/") and "openapi" not in path:
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_token_responses_are_never_stored(client: httpx.AsyncClient) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD}
    )
    assert login.status_code == 200
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": login.json()["data"]["refresh_token"]}
    )
    assert refreshed.status_code == 200
    for response in (login, refreshed):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"
        assert_secured(response)


def test_the_real_server_sends_no_server_header(tmp_path: Path) -> None:
    with live_server(throwaway_env(tmp_path)) as server:
        response = httpx.get(f"{server.url}/health/live", timeout=30)
    assert response.status_code == 200
    assert "server" not in response.headers
    assert_secured(response)
