"""Every route the app serves is an operation of the spec, and every operation is served."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from generated.operations import OPERATIONS

GENERATED = Path(__file__).resolve().parents[2] / "generated"
SPEC = json.loads((GENERATED / "openapi.json").read_text())
SPECS = (SPEC, json.loads((GENERATED / "v2" / "openapi.json").read_text()))
"""Every version's document: the app serves each."""
DOCUMENTATION_ROUTES = {
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/openapi.yaml"),
    ("GET", "/api/v2/openapi.json"),
    ("GET", "/api/v2/openapi.yaml"),
    ("GET", "/docs"),
    ("GET", "/docs/migrating-to-v2"),
    ("GET", "/metrics"),  # for Prometheus, not for API clients (docs/observability.md)
}


def served_routes(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every APIRoute, looking inside included routers."""
    served: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            served |= {(method, route.path) for method in route.methods}
        elif hasattr(route, "original_router"):  # FastAPI's included router wrapper
            served |= served_routes(route.original_router.routes)
    return served


def test_served_routes_are_exactly_the_spec(app: FastAPI) -> None:
    served = served_routes(app.routes)
    in_spec = {
        (method.upper(), path)
        for spec in SPECS
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert served - DOCUMENTATION_ROUTES == in_spec


def test_generated_operations_are_the_spec_operations() -> None:
    ids = {
        operation["operationId"]
        for item in SPEC["paths"].values()
        for key, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert ids == set(OPERATIONS)
