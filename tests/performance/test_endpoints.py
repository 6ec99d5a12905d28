"""In-process benchmarks of the hot endpoints: `pytest tests/performance/test_endpoints.py`.

The app runs with its lifespan on a private event loop against a freshly migrated database
(SQLite in a temporary directory, or TEST_DATABASE_URL), seeded with one organization of 150
sites. pytest-benchmark reports the time per request; nothing here asserts a duration.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.config.settings import Settings
from app.main import create_app
from tests.conftest import _test_database_url, migrate
from tests.factories import PASSWORD, make_org, make_site, make_user

pytestmark = pytest.mark.performance


@dataclass
class Bench:
    """A running app, a signed-in client and the ids the requests use."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    sites: str
    site_id: str

    def get(self, path: str, **params: Any) -> httpx.Response:
        """One GET, checked."""
        response = self.loop.run_until_complete(self.client.get(path, params=params))
        assert response.status_code == 200, response.text
        return response


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
    with tempfile.TemporaryDirectory() as tmp:
        url = _test_database_url(Path(tmp))
        migrate(url)
        settings = Settings(APP_ENV="test", DATABASE_URL=url, RATE_LIMIT_ENABLED=False)
        app = create_app(settings)
        loop = asyncio.new_event_loop()
        lifespan = app.router.lifespan_context(app)
        loop.run_until_complete(lifespan.__aenter__())
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        try:
            sites, site_id = loop.run_until_complete(_seed(app, client))
            yield Bench(loop, client, sites, site_id)
        finally:
            loop.run_until_complete(client.aclose())
            loop.run_until_complete(lifespan.__aexit__(None, None, None))
            loop.close()


async def _seed(app: Any, client: httpx.AsyncClient) -> tuple[str, str]:
    async with app.state.database.session() as db:
        owner = await make_user(db)
        org = await make_org(db, owner=owner)
        site = await make_site(db, org, address="1 Unter den Linden, Berlin")
        for _ in range(149):
            await make_site(db, org)
    login = await client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    client.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
    return f"/api/v1/organizations/{org.id}/sites", str(site.id)


def test_list_100_sites(benchmark: BenchmarkFixture, bench: Bench) -> None:
    response = benchmark(bench.get, bench.sites, per_page=100)
    assert len(response.json()["data"]) == 100


def test_list_10_sites(benchmark: BenchmarkFixture, bench: Bench) -> None:
    response = benchmark(bench.get, bench.sites, per_page=10)
    assert len(response.json()["data"]) == 10


def test_next_page_by_cursor(benchmark: BenchmarkFixture, bench: Bench) -> None:
    cursor = bench.get(bench.sites, per_page=10, page=7).json()["meta"]["next_cursor"]
    response = benchmark(bench.get, bench.sites, per_page=10, cursor=cursor)
    assert response.json()["meta"]["page"] == 8


def test_search_sites(benchmark: BenchmarkFixture, bench: Bench) -> None:
    response = benchmark(bench.get, bench.sites, q="berlin")
    assert response.json()["meta"]["total"] == 1


def test_get_one_site(benchmark: BenchmarkFixture, bench: Bench) -> None:
    response = benchmark(bench.get, f"{bench.sites}/{bench.site_id}")
    assert response.json()["data"]["id"] == bench.site_id


def test_health_live(benchmark: BenchmarkFixture, bench: Bench) -> None:
    response = benchmark(bench.get, "/health/live")
    assert response.json()["data"]["status"] == "pass"
