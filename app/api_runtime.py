"""The runtime that generated routers, operations and protocols import (the models import only
app.validators): route registration, authorization with the unit of work, envelopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Response

from app.authorization import authorize
from app.context import RequestContext
from app.envelopes import respond_empty, respond_page, respond_single
from app.operation_spec import OperationSpec
from app.pagination import Page
from app.query_parameters import reject_unknown_query
from app.rate_limit_policy import limit_rate


def route(router: APIRouter, operation: OperationSpec) -> Callable[[Any], Any]:
    """Register the decorated function as the operation's route, taking method, path and success
    status from the spec; the rate limit and the unknown-parameter check run before anything
    else (authorization and the body come after)."""
    return router.api_route(
        operation.path,
        methods=[operation.method],
        operation_id=operation.operation_id,
        status_code=operation.status_code,
        response_class=Response,
        include_in_schema=False,
        dependencies=[Depends(limit_rate(operation)), Depends(reject_unknown_query(operation))],
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
