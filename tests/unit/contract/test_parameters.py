"""app.contract.parameters binds a body-less route's parameters exactly as FastAPI does."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.dependencies.utils import request_params_to_args
from starlette.datastructures import QueryParams

from app.contract.parameters import BodylessCall, _Group
from app.contract.runtime import UnitOfWorkRoute

SAMPLES = (
    None,  # missing
    "",
    "x",
    "0",
    "-1",
    "1",
    "10",
    "100",
    "101",
    "2147483648",
    "true",
    "no",
    "a\x00b",
    "created_at",
    "-name",
    "active",
    "paused",
    "de",
    "AAAA",
    "x" * 101,
    "b1ee9726-534c-4e8d-a6d9-e104c3caab93",
    "b1ee9726534c4e8da6d9e104c3caab93",
)
"""Values of every kind the generated parameters take, and near misses of each."""


def _plain(result: tuple[dict[str, Any], list[Any]]) -> str:
    """A comparable form (errors carry exception objects in their context)."""
    return json.dumps(result, default=repr, sort_keys=True)


def _bodyless_routes(app: FastAPI) -> list[UnitOfWorkRoute]:
    routes = [r for r in app.router.routes if isinstance(r, UnitOfWorkRoute)]
    return [r for r in routes if BodylessCall.of(r.dependant) is not None]


async def test_every_generated_read_and_delete_is_bound_without_fastapis_solver(
    app: FastAPI,
) -> None:
    bound = {(r.path, next(iter(r.methods))) for r in _bodyless_routes(app)}
    assert ("/api/v1/organizations/{org_id}/sites/{site_id}", "GET") in bound
    assert ("/api/v2/organizations/{org_id}/sites", "GET") in bound
    assert ("/api/v2/organizations/{org_id}/sites/{site_id}", "DELETE") in bound
    writes = [r for r in app.router.routes if isinstance(r, UnitOfWorkRoute) and r.body_field]
    assert writes
    assert all(BodylessCall.of(r.dependant) is None for r in writes)


async def test_values_and_errors_are_fastapis_for_every_generated_parameter(app: FastAPI) -> None:
    compared = 0
    pick = random.Random(21)  # noqa: S311 - reproducible samples, not secrets
    for route in _bodyless_routes(app):
        for fields in (route.dependant.path_params, route.dependant.query_params):
            group = _Group.of(fields)
            assert group.plain is not None, f"{route.path}: a generated parameter is not plain"
            names = [f.alias for f in fields]
            # each parameter through every sample, the others missing; then random mixes
            cases = [{name: value} for name in names for value in SAMPLES]
            cases += [{name: pick.choice(SAMPLES) for name in names} for _ in range(200)]
            for case in cases:
                present = [(k, v) for k, v in case.items() if v is not None]
                for received in (QueryParams(present), dict(present)):
                    expected = request_params_to_args(fields, received)
                    assert _plain(group.bind(received)) == _plain(expected), (route.path, case)
                    compared += 1
    assert compared > 500


async def test_a_repeated_query_parameter_is_read_as_fastapi_reads_it(app: FastAPI) -> None:
    route = next(
        r
        for r in _bodyless_routes(app)
        if r.path == "/api/v2/organizations/{org_id}/sites" and "GET" in r.methods
    )
    fields = route.dependant.query_params
    for repeated in itertools.permutations(["5", "oops", "100"], 2):
        received = QueryParams([("per_page", value) for value in repeated])
        assert _plain(_Group.of(fields).bind(received)) == _plain(
            request_params_to_args(fields, received)
        )


def _guard(request: Request) -> object:
    return object()


async def _async_guard(request: Request) -> object:
    return object()


async def _endpoint_with_header(
    request: Request, ctx: object = Depends(_async_guard), x: str = Header()
) -> Response:
    return Response()


async def _endpoint_with_list(
    request: Request,
    ctx: object = Depends(_async_guard),
    tags: list[str] = Query(),  # noqa: B008
) -> Response:
    return Response()


async def _sync_guarded_endpoint(request: Request, ctx: object = Depends(_guard)) -> Response:
    return Response()


async def _plain_endpoint(request: Request, ctx: object = Depends(_async_guard)) -> Response:
    return Response()


def _dependant(endpoint: Any) -> Any:
    router = APIRouter()
    router.add_api_route("/p", endpoint)
    return router.routes[0].dependant  # type: ignore[attr-defined]


def test_other_shapes_keep_fastapis_handler() -> None:
    assert BodylessCall.of(_dependant(_endpoint_with_header)) is None
    assert BodylessCall.of(_dependant(_sync_guarded_endpoint)) is None
    assert BodylessCall.of(_dependant(_plain_endpoint)) is not None
    list_call = BodylessCall.of(_dependant(_endpoint_with_list))
    assert list_call is not None and list_call.query.plain is None  # FastAPI's own binding
    received = QueryParams([("tags", "a"), ("tags", "b")])
    assert list_call.query.bind(received) == ({"tags": ["a", "b"]}, [])
