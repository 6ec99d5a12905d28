"""The runtime that generated routers, operations and protocols import (the models import only
app.domain.validators): route registration, authorization with the unit of work, envelopes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from app.contract.authorization import (
    READ_ONLY_METHODS,
    authorize,
    check_caller,
    finish_unit_of_work,
)
from app.contract.context import ADMISSION_KEY, Admission, RequestContext
from app.contract.envelopes import respond_empty, respond_page, respond_single
from app.contract.idempotency import Replay
from app.contract.parameters import BodylessCall, as_asgi
from app.contract.preconditions import conclude
from app.data.unit_of_work import UnitOfWork, with_retries
from app.domain.errors import DomainError
from app.domain.exchange import exchange_of
from app.domain.operation_spec import OperationSpec
from app.domain.pagination import Page
from app.edge.application import ExitStackRoute

logger = logging.getLogger(__name__)


class UnitOfWorkRoute(ExitStackRoute):
    """A route that finishes the request's unit of work after its handler: commits or rolls
    back once the response is serialized and before anything is sent, so a failed commit is a
    problem response, never a 200 followed by lost data. A writing unit of work the database
    ended with a deadlock or serialization failure runs again (app.data.unit_of_work.with_retries);
    a read runs in autocommit, where no transaction can collide, so it is not wrapped. A read's
    caller check still pending when the handler returns or fails is run before anything else
    is answered (app.contract.authorization.check_caller): before the ETag and 304 are decided,
    so a refused caller gets its refusal (a non-member 404), never a 304.

    Before the commit it concludes what the operation declares beyond its handler, in the same
    transaction: the ETag and 304 of an x-resource operation (app.contract.preconditions) and
    the record of an x-idempotent one (app.contract.idempotency); a replayed answer is sent
    as recorded, without the handler."""

    def __init__(self, *args: Any, operation: OperationSpec, **kwargs: Any) -> None:
        self.operation = operation  # before super().__init__, which builds the route handler
        self.bodyless: BodylessCall | None = None
        """How a body-less operation is called (set by get_route_handler); None for the rest."""
        self.handler: Callable[[Request], Coroutine[Any, Any, Response]] | None = None
        """The handler super().__init__ built, wrapped in FastAPI's request_response."""
        super().__init__(*args, **kwargs)
        if self.bodyless is not None and self.handler is not None:
            self.app = as_asgi(self.handler)  # needs none of FastAPI's exit stacks

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler of the route's requests: a body-less operation's parameters are bound by
        app.contract.parameters, any other's by FastAPI's own request handler."""
        self.bodyless = BodylessCall.of(self.dependant)
        handle = self.bodyless or super().get_route_handler()
        operation = self.operation

        async def attempt(request: Request) -> Response:
            try:
                response = await handle(request)
                await check_caller(request)  # decided before the ETag and 304
                admission: Admission | None = request.scope.get(ADMISSION_KEY)
                if admission is not None:
                    response = await _conclude(request, operation, admission, response)
            except Replay as replay:
                await finish_unit_of_work(request, None)
                return replay.response
            except Exception as error:
                await _caller_first(request, error)
                await finish_unit_of_work(request, error)
                await _record_problem(request, error)
                raise
            except BaseException as error:
                await finish_unit_of_work(request, error)
                await _record_problem(request, error)
                raise
            await finish_unit_of_work(request, None)
            return response

        async def handle_in_unit_of_work(request: Request) -> Response:
            return await with_retries(lambda: attempt(request))

        reads_only = self.methods is not None and self.methods <= READ_ONLY_METHODS
        self.handler = attempt if reads_only else handle_in_unit_of_work
        return self.handler


async def _conclude(
    request: Request, operation: OperationSpec, admission: Admission, response: Response
) -> Response:
    """ETag, 304 and the idempotency record of a handler's answer, before the commit."""
    unit_of_work = exchange_of(request.scope).unit_of_work
    if not isinstance(unit_of_work, UnitOfWork):  # pragma: no cover - authorize() opened it
        raise TypeError("the request has no unit of work")
    response = conclude(operation, unit_of_work, admission.if_none_match, response)
    if admission.idempotency is not None:
        await admission.idempotency.complete(unit_of_work, response)
    return response


async def _record_problem(request: Request, error: BaseException) -> None:
    """Record the handler's own 4xx problem for the request's Idempotency-Key. The claim is the
    guard's last step, so a DomainError after it is the handler's; validation errors (422) are
    not DomainErrors, and 5xx are never recorded: those retries run again."""
    admission: Admission | None = request.scope.get(ADMISSION_KEY)
    claim = admission.idempotency if admission is not None else None
    if admission is None or claim is None:
        return
    if isinstance(error, DomainError) and error.status < 500:
        admission.idempotency = None  # recorded once, even if the route is left twice
        try:
            await claim.complete_problem(request, error)
        except Exception:  # the client gets its answer; unrecorded, a retry runs again
            logger.warning("could not record the answer for an Idempotency-Key", exc_info=True)


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
            route_class_override=cast(
                type[APIRoute], functools.partial(UnitOfWorkRoute, operation=operation)
            ),
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
