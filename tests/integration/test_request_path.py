"""One request path: the guard parses the request once and hands typed values on; what crosses
the ASGI boundary travels in one Exchange, never in `request.state`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Receive, Scope, Send

from app.domain.exchange import EXCHANGE_KEY, Exchange
from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

CROSSING = {"request_id", "problem", "rate_limit", "rate_limited_by", "user_id", "trace_id"}


def recording(app: FastAPI, scopes: list[Scope]) -> httpx.AsyncClient:
    """A client whose requests' scopes are kept for inspection after the response."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=asgi, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_request_crosses_the_asgi_boundary_in_one_exchange(
    app: FastAPI, db: AsyncSession
) -> None:
    user = await make_user(db)
    org = await make_org(db)
    await add_member(db, org, user, Role.MEMBER)
    site = await make_site(db, org)
    scopes: list[Scope] = []
    async with recording(app, scopes) as http:
        response = await http.get(
            f"/api/v1/organizations/{org.id}/sites/{site.id}",
            headers=await auth_headers(app, user),
        )
    assert response.status_code == 200
    (scope,) = scopes
    state: dict[str, Any] = scope.get("state", {})
    assert CROSSING.isdisjoint(state) and "unit_of_work" not in state
    exchange = scope[EXCHANGE_KEY]
    assert isinstance(exchange, Exchange)
    assert exchange.request_id == response.headers["x-request-id"]
    assert exchange.user_id == user.id
    assert exchange.status == 200
    assert exchange.unit_of_work is not None
    # org_id was parsed once, by the guard: the route's validation got the UUID itself
    assert scope["path_params"]["org_id"] == org.id
    assert isinstance(scope["path_params"]["org_id"], uuid.UUID)


async def test_a_problem_code_is_in_the_exchange(app: FastAPI) -> None:
    scopes: list[Scope] = []
    async with recording(app, scopes) as http:
        response = await http.get(f"/api/v1/organizations/{uuid.uuid4()}/sites")
    assert response.status_code == 401
    (scope,) = scopes
    assert scope[EXCHANGE_KEY].problem == "not_authenticated"
    assert "problem" not in scope.get("state", {})


async def test_a_malformed_org_id_is_one_422_with_every_invalid_field(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    user = await make_user(db)
    response = await client.post(
        "/api/v1/organizations/not-a-uuid/sites",
        json={"name": ""},
        headers=await auth_headers(app, user),
    )
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields[0] == "path.org_id"
    assert any(field.startswith("body.") for field in fields)
