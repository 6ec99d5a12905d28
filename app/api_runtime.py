"""The runtime that generated routers, operations and protocols import (the models import only
app.validators): route registration, authorization with the unit of work, envelopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response

from app.authorization import authorize
from app.context import RequestContext
from app.envelopes import respond_empty, respond_page, respond_single
from app.operation_spec import OperationSpec
from app.pagination import Page


def route(router: APIRouter, operation: OperationSpec) -> Callable[[Any], Any]:
    """Register the decorated function as the operation's route, taking method, path and success
    status from the spec. Its one dependency is authorize(operation), declared by the route
    itself."""
    return router.api_route(
        operation.path,
        methods=[operation.method],
        operation_id=operation.operation_id,
        status_code=operation.status_code,
        response_class=Response,
        include_in_schema=False,
    )


__all__ = [
    "OperationSpec",
    "Page",
    "RequestContext",
    "authorize",
    "respond_empty",
    "respond_page",
    "respond_single",
    "route",
]
