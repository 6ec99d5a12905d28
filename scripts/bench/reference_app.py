"""The reference of issue 21: what the stack itself does for an authenticated read, with none of
the service's machinery (no middleware, envelope model, validation, problems or unit of work).

Each request verifies the bearer token (the service's own TokenService, so both pay the same for
it), runs the two statements the service ran before reads became one round trip - the caller's
live session and role, then the resource (a site, or a page of sites with its total) - on raw
autocommit psycopg connections (prepared, binary results, as the service's driver reads), and
writes the rows as JSON with pydantic_core. A refused caller gets a bare 401 or 404.

`uvicorn scripts.bench.reference_app:app` with the service's DATABASE_URL (PostgreSQL) and
SECRET_KEY; `make bench` serves it beside the service and prints each read's ratio to it.

It runs on the service's runtime settings too: the collector is set up as app.main does
(app.config.collector): what is loaded at start-up is frozen out of its sight, so a full
collection walks only what requests allocate (without it, the reference's p99 was 4-5x its p50:
a full collection of everything the imports left), and young objects are collected as rarely.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI, Request, Response
from pydantic_core import to_json
from sqlalchemy import make_url

from app.access.tokens import InvalidTokenError, TokenService
from app.config.collector import settle_collector
from app.config.settings import Settings

CALLER = """
SELECT users.id, users.email, users.is_superadmin,
       (SELECT memberships.role FROM memberships
         WHERE memberships.organization_id = %(org_id)s AND memberships.user_id = users.id),
       CASE WHEN users.is_superadmin
            THEN EXISTS (SELECT 1 FROM organizations WHERE organizations.id = %(org_id)s)
            ELSE false END
  FROM login_sessions JOIN users ON users.id = login_sessions.user_id
 WHERE login_sessions.id = %(session_id)s AND login_sessions.user_id = %(user_id)s
   AND login_sessions.revoked_at IS NULL AND users.is_active
"""
COLUMNS = "id, organization_id, name, address, timezone, status, created_at, updated_at"
SITE = f"SELECT {COLUMNS} FROM sites WHERE organization_id = %(org_id)s AND id = %(site_id)s"  # noqa: S608
PAGE = (
    f"SELECT {COLUMNS}, (SELECT coalesce(sum(sites), 0) FROM site_counters"  # noqa: S608
    " WHERE organization_id = %(org_id)s) AS total"
    " FROM sites WHERE organization_id = %(org_id)s"
    " ORDER BY created_at, id LIMIT %(limit)s OFFSET 0"
)
"""The first page of the default sort (created_at), its total a column of every row, as the
service reads it."""
POOL_SIZE = 15
"""The service's default driver pool (DB_POOL_SIZE 5 + DB_MAX_OVERFLOW 10)."""

settings = Settings()
tokens = TokenService(settings)
_url = make_url(settings.DATABASE_URL)
_dsn = _url.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Set up the collector as the service does (app.config.collector)."""
    settle_collector()
    yield


app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)


class Pool:
    """At most POOL_SIZE autocommit connections, opened on demand and kept; a request that
    finds none idle and none left to open waits for the next one released."""

    def __init__(self) -> None:
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self.open = 0

    async def acquire(self) -> psycopg.AsyncConnection[Any]:
        if not self.idle.empty() or self.open >= POOL_SIZE:
            return await self.idle.get()
        self.open += 1
        return await psycopg.AsyncConnection.connect(_dsn, autocommit=True)

    def release(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self.idle.put_nowait(connection)


pool = Pool()


async def _admitted(request: Request, org_id: uuid.UUID) -> psycopg.AsyncConnection[Any] | int:
    """The caller's check: a pooled connection to go on with, or the refusal's status."""
    _, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        claims = tokens.decode(token, expected_type="access")
    except InvalidTokenError:
        return 401
    connection = await pool.acquire()
    params = {"session_id": claims.sid, "user_id": claims.sub, "org_id": org_id}
    cursor = await connection.execute(CALLER, params, prepare=True, binary=True)
    caller = await cursor.fetchone()
    status = 0
    if caller is None:
        status = 401
    elif caller[3] is None and not caller[2]:
        status = 404
    if status:
        pool.release(connection)
        return status
    return connection


KEYS = tuple(COLUMNS.split(", "))


@app.get("/sites/{org_id}/{site_id}")
async def one_site(request: Request, org_id: uuid.UUID, site_id: uuid.UUID) -> Response:
    """One site: the caller's check, then the site."""
    admitted = await _admitted(request, org_id)
    if isinstance(admitted, int):
        return Response(status_code=admitted)
    try:
        params = {"org_id": org_id, "site_id": site_id}
        cursor = await admitted.execute(SITE, params, prepare=True, binary=True)
        row = await cursor.fetchone()
    finally:
        pool.release(admitted)
    if row is None:
        return Response(status_code=404)
    body = to_json({"data": dict(zip(KEYS, row, strict=True))})
    return Response(body, media_type="application/json")


@app.get("/sites/{org_id}")
async def page_of_sites(request: Request, org_id: uuid.UUID, per_page: int = 10) -> Response:
    """The first page of the organization's sites with its total: the caller's check, then the
    page."""
    admitted = await _admitted(request, org_id)
    if isinstance(admitted, int):
        return Response(status_code=admitted)
    try:
        params = {"org_id": org_id, "limit": per_page + 1}
        cursor = await admitted.execute(PAGE, params, prepare=True, binary=True)
        rows = await cursor.fetchall()
    finally:
        pool.release(admitted)
    total = rows[0][-1] if rows else 0
    data = [dict(zip(KEYS, row[:-1], strict=True)) for row in rows[:per_page]]
    meta = {"page": 1, "per_page": per_page, "total": total}
    return Response(to_json({"data": data, "meta": meta}), media_type="application/json")


@app.get("/")
async def ready() -> dict[str, str]:
    """What the bench waits for before measuring."""
    return {"status": "ok"}
