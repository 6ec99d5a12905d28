"""HEAD wherever GET is (in process; tests/integration/test_edge_live.py shows it on a real
server), and the docs pages: only Swagger UI's files the page loads, under a policy that lets
the page load nothing else."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest
import swagger_ui_bundle

from app.edge.docs import ASSETS_URL, DOCS_ASSETS
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD

PER_REQUEST = {"date", "x-request-id", "ratelimit-remaining", "ratelimit-reset"}
"""Headers that may differ between two answers to the same request."""


def same_headers(head: httpx.Response, get: httpx.Response, varying: set[str]) -> None:
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in set(get.headers) | set(head.headers):
        if name not in PER_REQUEST | varying:
            assert head.headers.get(name) == get.headers.get(name), name


async def test_head_mirrors_get_on_operations_and_documents(client: httpx.AsyncClient) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD}
    )
    auth = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
    for path, headers in [
        ("/api/v1/users/me", auth),
        ("/api/v1/users/me", {}),
        ("/api/v1/organizations?per_page=2", auth),
        ("/health/live", {}),
        ("/health/live", {}),  # served from memory the second time
        ("/health/ready", {}),  # its body holds latencies: the length varies
        ("/api/v1/openapi.json", {}),
        ("/docs", {}),
        (f"{ASSETS_URL}/swagger-ui.css", {}),
        ("/api/v1/nowhere", {}),
    ]:
        head = await client.head(path, headers=headers)
        get = await client.get(path, headers=headers)
        same_headers(head, get, {"content-length"} if path == "/health/ready" else set())


async def test_head_counts_as_its_operation(client: httpx.AsyncClient) -> None:
    series = (
        'orgsites_http_requests_total{method="HEAD",operation="getLiveness",status_class="2xx"}'
    )

    def count(exposition: str) -> float:
        found = re.search(re.escape(series) + r" (\S+)", exposition)
        return float(found.group(1)) if found else 0.0

    before = count((await client.get("/metrics")).text)
    for _ in range(2):  # the route once, then its answer kept in memory
        assert (await client.head("/health/live")).status_code == 200
    assert count((await client.get("/metrics")).text) == before + 2


@pytest.mark.parametrize(
    "name", ["index.html", "swagger-initializer.js", "oauth2-redirect.html", "index.j2"]
)
async def test_the_stock_swagger_pages_are_not_served(client: httpx.AsyncClient, name: str) -> None:
    assert (Path(swagger_ui_bundle.swagger_ui_path) / name).exists()  # in the package...
    response = await client.get(f"{ASSETS_URL}/{name}")  # ...but not served
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_the_docs_page_loads_only_served_assets(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    loaded = set(re.findall(r'(?:src|href)="([^"]+)"', page))
    assert loaded == {f"{ASSETS_URL}/{name}" for name in DOCS_ASSETS}
    for url in loaded:
        assert (await client.get(url)).status_code == 200, url


def directives(policy: str) -> dict[str, list[str]]:
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


async def test_the_docs_page_may_use_only_its_own_assets(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline
    ]
    assert policy["script-src"] == ["'self'", *hashes]
    for name, sources in policy.items():
        for source in sources:
            assert source in {"'self'", "'none'", "data:"} or source in hashes, (name, source)
    for path in (f"{ASSETS_URL}/swagger-ui-bundle.js", "/api/v1/openapi.json"):
        asset = await client.get(path)
        assert directives(asset.headers["content-security-policy"])["default-src"] == ["'none'"]
