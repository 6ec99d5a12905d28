"""The unit of work: reads run without a transaction, writes commit exactly once after the
handler (even for an error marked `commits`), liveness touches no database, and a failed commit
is the response, never a 200 after lost data; authorization fails closed at runtime."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Response
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.contract.authorization import authorize
from app.contract.context import RequestContext
from app.data import models as orm
from app.data.database import Database
from app.edge.problems import install_problem_handlers
from generated.operations import OPERATIONS
from tests.factories import auth_headers, make_org, make_site, make_user


@pytest.fixture
def commits(database: Database) -> Iterator[list[str]]:
    """Every COMMIT the app's engine sends, as it happens."""
    seen: list[str] = []

    def on_commit(_connection: Any) -> None:
        seen.append("commit")

    event.listen(database.engine.sync_engine, "commit", on_commit)
    yield seen
    event.remove(database.engine.sync_engine, "commit", on_commit)


async def test_reads_commit_nothing_and_writes_commit_once(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, commits: list[str]
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    site = await make_site(db, org)
    headers = await auth_headers(app, owner)
    commits.clear()
    read = await client.get(f"/api/v1/organizations/{org.id}/sites/{site.id}", headers=headers)
    listed = await client.get(f"/api/v1/organizations/{org.id}/sites", headers=headers)
    assert (read.status_code, listed.status_code) == (200, 200)
    assert commits == []
    created = await client.post(
        f"/api/v1/organizations/{org.id}/sites",
        json={"name": "Depot", "timezone": "UTC"},
        headers=headers,
    )
    assert created.status_code == 201
    assert commits == ["commit"]


async def test_liveness_opens_no_database_session(client: httpx.AsyncClient) -> None:
    transactions: list[object] = []

    def on_transaction(_session: object, transaction: object) -> None:
        transactions.append(transaction)

    event.listen(Session, "after_transaction_create", on_transaction)
    try:
        assert (await client.get("/health/live")).status_code == 200
    finally:
        event.remove(Session, "after_transaction_create", on_transaction)
    assert transactions == []


async def test_a_failed_commit_is_the_response_and_nothing_is_kept(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    headers = await auth_headers(app, owner)

    async def failing_commit(self: AsyncSession) -> None:
        raise IntegrityError("COMMIT", {}, Exception("constraint violated at commit"))

    monkeypatch.setattr(AsyncSession, "commit", failing_commit)
    response = await client.post(
        f"/api/v1/organizations/{org.id}/sites",
        json={"name": "Never stored", "timezone": "UTC"},
        headers=headers,
    )
    monkeypatch.undo()
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    stored = await db.scalar(select(func.count()).where(orm.Site.name == "Never stored"))
    assert stored == 0


async def test_an_operation_without_permission_is_denied_at_runtime(
    database: Database, app: FastAPI, db: AsyncSession
) -> None:
    undeclared = dataclasses.replace(OPERATIONS["getSite"], permission=None, public=False)
    probe = FastAPI()
    probe.state.database = database
    probe.state.tokens = app.state.tokens
    probe.state.rate_limiter = app.state.rate_limiter
    install_problem_handlers(probe)

    @probe.get("/api/v1/organizations/{org_id}/sites/{site_id}")
    async def get_site(
        ctx: RequestContext = Depends(authorize(undeclared)),  # noqa: B008
    ) -> Response:  # pragma: no cover - authorization refuses every call
        return Response(status_code=200)

    superadmin = await make_user(db, is_superadmin=True)
    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as http:
        path = f"/api/v1/organizations/{superadmin.id}/sites/{superadmin.id}"
        for headers in ({}, await auth_headers(app, superadmin)):
            response = await http.get(path, headers=headers)
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "permission_undeclared"
