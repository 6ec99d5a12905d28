"""The runtime that generated routers, operations and protocols import (the models import only
app.domain.validators): route registration, authorization with the unit of work, envelopes."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from app.contract.authorization import (
    READ_ONLY_METHODS,
    authorize,
    check_caller,
    finish_unit_of_work,
)
from app.contract.context import RequestContext
from app.contract.envelopes import respond_empty, respond_page, respond_single
from app.data.unit_of_work import with_retries
from app.domain.operation_spec import OperationSpec
from app.domain.pagination import Page


class UnitOfWorkRoute(APIRoute):
    """A route that finishes the request's unit of work after its handler: commits or rolls
    back once the response is serialized and before anything is sent, so a failed commit is a
    problem response, never a 200 followed by lost data. A writing unit of work the database
    ended with a deadlock or serialization failure runs again (app.data.unit_of_work.with_retries);
    a read runs in autocommit, where no transaction can collide, so it is not wrapped. A read's
    caller check still pending when the handler returns or fails is run before anything else
    is answered (app.contract.authorization.check_caller)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def attempt(request: Request) -> Response:
            try:
                response = await handle(request)
                await check_caller(request)
            except Exception as error:
                await _caller_first(request, error)
                await finish_unit_of_work(request, error)
                raise
            except BaseException as error:
                await finish_unit_of_work(request, error)
                raise
            await finish_unit_of_work(request, None)
            return response

        async def handle_in_unit_of_work(request: Request) -> Response:
            return await with_retries(lambda: attempt(request))

        reads_only = self.methods is not None and self.methods <= READ_ONLY_METHODS
        return attempt if reads_only else handle_in_unit_of_work


async def _caller_first(request: Request, error: Exception) -> None:
    """A read that failed before its first statement (validation, a bad cursor) still decides
    its caller first: a refused caller gets the refusal, as if checked before anything else."""
    try:
        await check_caller(request)
    except BaseException as refusal:
        await finish_unit_of_work(request, refusal)
        raise refusal from error


def route(router: APIRouter, operation: OperationSpec) -> Callable[[Any], Any]:
    """Register the decorated function as the operation's route, taking method, path and success
    status from the spec. Its one dependency is authorize(operation), declared by the route
    itself; the route finishes the unit of work authorize() opened."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(
            operation.path,
            endpoint,
            methods=[operation.method],
            operation_id=operation.operation_id,
            status_code=operation.status_code,
            response_class=Response,
            include_in_schema=False,
            route_class_override=UnitOfWorkRoute,
        )
        return endpoint

    return register


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
