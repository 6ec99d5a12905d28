"""Safe retries against a real uvicorn (issue 23): 20 concurrent requests with one
Idempotency-Key create exactly one row, and every answer is that row's (two workers, on the test
database: SQLite by default, PostgreSQL with TEST_DATABASE_URL); two editors with one If-Match
get exactly one 200 and one 412; a server killed (-9) in the middle of a keyed write leaves
neither the write nor the key (PostgreSQL), so the retry creates the row once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data import models as orm
from tests.factories import auth_headers, make_org, make_site, make_user
from tests.live_server import (
    BASE_ENV,
    ROOT,
    SERVE_COMMAND,
    LiveServer,
    free_port,
    live_server,
    wait_until_live,
)

CONCURRENT = 20
SITE = {"name": "Retried", "timezone": "Europe/Berlin"}


def server_env(settings: Settings) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": settings.secret_key,
        "RATE_LIMIT_ENABLED": "false",
    }


@pytest.fixture(scope="module")
def two_workers(settings: Settings) -> Iterator[LiveServer]:
    """uvicorn with two worker processes on the test database; no rate limits."""
    with live_server(server_env(settings) | {"WEB_CONCURRENCY": "2"}) as running:
        yield running


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def at_once(count: int, url: str, send: Send) -> list[httpx.Response]:
    """``count`` calls of ``send``, each on a connection of its own, released together."""
    barrier = asyncio.Barrier(count)

    async def one() -> httpx.Response:
        async with httpx.AsyncClient(timeout=60) as client:
            await client.get(f"{url}/health/live")  # connected before the race
            await barrier.wait()
            return await send(client)

    return await asyncio.gather(*(one() for _ in range(count)))


class Post:
    """A keyed createSite request to the server."""

    def __init__(self, url: str, path: str, headers: dict[str, str]) -> None:
        self.url, self.path, self.headers = url, path, headers

    async def __call__(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(f"{self.url}{self.path}", json=SITE, headers=self.headers)


async def test_concurrent_requests_with_one_key_create_one_row(
    app: FastAPI, db: AsyncSession, two_workers: LiveServer
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    headers = {**await auth_headers(app, owner), "Idempotency-Key": "twenty-at-once"}
    path = f"/api/v1/organizations/{org.id}/sites"
    responses = await at_once(CONCURRENT, two_workers.url, Post(two_workers.url, path, headers))
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [
        r.text for r in responses if r.status_code not in (201, 409)
    ]
    assert statuses[201] >= 1
    conflicts = [r for r in responses if r.status_code == 409]
    assert all(r.json()["code"] == "idempotency_key_in_use" for r in conflicts)
    assert all(int(r.headers["retry-after"]) >= 1 for r in conflicts)
    created = [r for r in responses if r.status_code == 201]
    assert len({r.content for r in created}) == 1  # every 201 is the one row's answer
    assert sum("idempotent-replayed" not in r.headers for r in created) == 1
    count = await db.scalar(
        select(func.count()).select_from(orm.Site).where(orm.Site.organization_id == org.id)
    )
    assert count == 1
    # Retries on fresh connections (either worker) after the first committed: all replays.
    again = await at_once(CONCURRENT, two_workers.url, Post(two_workers.url, path, headers))
    assert {r.status_code for r in again} == {201}
    assert {r.content for r in again} == {created[0].content}
    assert all(r.headers["idempotent-replayed"] == "true" for r in again)


class Patch:
    """A PATCH of one site with the If-Match an editor read."""

    def __init__(self, url: str, path: str, headers: dict[str, str], names: list[str]) -> None:
        self.url, self.path, self.headers, self.names = url, path, headers, names

    async def __call__(self, client: httpx.AsyncClient) -> httpx.Response:
        name = self.names.pop()
        return await client.patch(
            f"{self.url}{self.path}", json={"name": name}, headers=self.headers
        )


async def test_two_editors_with_one_if_match_one_wins(
    app: FastAPI, db: AsyncSession, two_workers: LiveServer
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    site = await make_site(db, org)
    headers = await auth_headers(app, owner)
    path = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    async with httpx.AsyncClient(base_url=two_workers.url, timeout=60) as client:
        for round_ in range(5):
            read = await client.get(path, headers=headers)
            tag = read.headers["etag"]
            editors = Patch(
                two_workers.url, path, {**headers, "If-Match": tag}, [f"A{round_}", f"B{round_}"]
            )
            responses = await at_once(2, two_workers.url, editors)
            assert sorted(r.status_code for r in responses) == [200, 412], [
                r.text for r in responses
            ]
            winner = next(r for r in responses if r.status_code == 200)
            loser = next(r for r in responses if r.status_code == 412)
            assert loser.json()["code"] == "precondition_failed"
            now = await client.get(path, headers=headers)
            assert now.json()["data"]["name"] == winner.json()["data"]["name"]
            assert now.headers["etag"] == winner.headers["etag"]


WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO site_counters%'"
)
"""Whether a request is blocked upserting the counters (after its site INSERT and its claim)."""


@contextmanager
def killable_server(env: dict[str, str]) -> Iterator[tuple[LiveServer, subprocess.Popen[bytes]]]:
    """One uvicorn process (no worker manager), for the test to kill."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "log", "wb") as log:
        server = LiveServer(f"http://127.0.0.1:{port}", Path(tmp) / "log")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *SERVE_COMMAND, "--port", str(port)],
            cwd=ROOT,
            env=BASE_ENV | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_live(server, process)
            yield server, process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


async def test_a_server_killed_mid_write_leaves_neither_the_row_nor_the_key(
    app: FastAPI, db: AsyncSession, settings: Settings
) -> None:
    if not settings.DATABASE_URL.startswith("postgresql"):
        pytest.skip("holds a row lock from another connection: PostgreSQL")
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    await make_site(db, org)  # its counter row is the one the next create waits for
    headers = {**await auth_headers(app, owner), "Idempotency-Key": "crash"}
    path = f"/api/v1/organizations/{org.id}/sites"
    with killable_server(server_env(settings)) as (server, process):
        async with app.state.database.session() as blocker:
            await blocker.execute(
                select(orm.SiteCounter)
                .where(orm.SiteCounter.organization_id == org.id)
                .with_for_update()
            )
            async with httpx.AsyncClient(timeout=60) as client:
                pending = asyncio.ensure_future(
                    client.post(f"{server.url}{path}", json=SITE, headers=headers)
                )
                waiting = 0
                for _ in range(1200):  # bounded (60 s): until the request waits on the lock
                    async with app.state.database.session() as probe:
                        waiting = int(await probe.scalar(WAITING_ON_A_LOCK) or 0)
                    if waiting:
                        break
                    await asyncio.sleep(0.05)
                assert waiting, server.log()
                process.send_signal(signal.SIGKILL)  # the write and its claim are in flight
                with pytest.raises(httpx.TransportError):
                    await pending
            await blocker.rollback()
    count = select(func.count()).select_from(orm.Site).where(orm.Site.organization_id == org.id)
    assert await db.scalar(count) == 1
    keys = select(func.count()).select_from(orm.IdempotencyKey)
    assert await db.scalar(keys) == 0
    # The client's retry (same key) creates the site once.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        retried = await c.post(path, json=SITE, headers=headers)
        assert retried.status_code == 201
        assert (await c.post(path, json=SITE, headers=headers)).headers[
            "idempotent-replayed"
        ] == "true"
    assert await db.scalar(count.execution_options(populate_existing=True)) == 2
