"""The parameters of an operation without a request body, bound without FastAPI's generic solver.

A generated route declares the request, its one guard dependency (`authorize(operation)`, which
takes only the request) and path and query parameters; a route with a body also declares the body.
For a body-less route (every read, every DELETE), `BodylessCall` does what FastAPI's request
handler does for that shape, in its order, and nothing else:

1. the guard dependency runs first (its refusal wins over invalid parameters, as in FastAPI);
2. path, then query parameters are validated, each by its FastAPI field (`ModelField.validate`,
   with FastAPI's location `(in, alias)`), defaults applied as FastAPI applies them; a parameter
   group with a type FastAPI treats specially (a sequence, a model, aliases to choose from) or a
   required parameter missing goes through FastAPI's own `request_params_to_args`; so values,
   error locations and messages are FastAPI's (tests/unit/contract/test_parameters.py compares
   both on every generated operation); any error is one RequestValidationError with them all;
3. the endpoint is called with the request, the guard's context and the parameters.

Measured on GET one site (PostgreSQL, in-process, 15000 sequential requests): FastAPI's
`solve_dependencies` with its request handler cost about 75 us of a 470 us request (its dependency
cache, override lookup, the Response it builds for sub-dependencies, body and header/cookie passes,
exit stacks and telemetry hooks, none of which a generated route uses), and
`request_params_to_args` looks up each field's aliases, model and sequence-ness again on every
request (a fifth of a list request's CPU under cProfile); binding as below costs about 20 us.
A route of any other shape (a body, another dependency, a header or cookie parameter) keeps
FastAPI's handler: `BodylessCall.of` returns None for it.
"""

from __future__ import annotations

import enum
import inspect
import types
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from fastapi import Request, Response, params
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from pydantic import Json

from app.contract.context import RequestContext

IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str, bytes, enum.Enum, uuid.UUID)
"""Defaults FastAPI's deepcopy would return as they are."""
PLAIN_TYPES = (str, int, float, bool, uuid.UUID)


def _plain_annotation(annotation: Any) -> bool:
    """A scalar FastAPI validates as it is: str, int, float, bool, UUID, an Enum, a Literal, or
    one of them or None."""
    if get_origin(annotation) is Literal:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(arg is type(None) or _plain_annotation(arg) for arg in get_args(annotation))
    return isinstance(annotation, type) and (
        annotation in PLAIN_TYPES or issubclass(annotation, enum.Enum)
    )


@dataclass(frozen=True)
class _Field:
    """One path or query parameter, with what FastAPI works out per request worked out once."""

    field: ModelField
    alias: str
    loc: tuple[str, str]

    def bind(self, received: Mapping[str, Any], values: dict[str, Any]) -> list[Any] | None:
        """Validate into ``values``; the errors; None when FastAPI's own path must decide
        (a required parameter missing)."""
        value = received.get(self.alias)
        if value is None:
            info = self.field.field_info
            if info.is_required():
                return None
            default = self.field.default
            value = default if isinstance(default, IMMUTABLE_DEFAULTS) else deepcopy(default)
            if not info.validate_default:
                values[self.field.name] = value
                return []
        bound, errors = self.field.validate(value, values, loc=self.loc)
        if not errors:
            values[self.field.name] = bound
        return errors


@dataclass(frozen=True)
class _Group:
    """The path or the query parameters of a route."""

    fields: Sequence[ModelField]
    plain: tuple[_Field, ...] | None
    """Each field's binder; None when one of them needs FastAPI's own handling."""

    @classmethod
    def of(cls, fields: Sequence[ModelField]) -> _Group:
        plain = []
        for field in fields:
            info = field.field_info
            alias = info.validation_alias
            if not isinstance(info, params.Param) or (
                info.metadata and any(type(item) is Json for item in info.metadata)
            ):
                return cls(fields, None)
            if not _plain_annotation(info.annotation) or not (
                alias is None or isinstance(alias, str)
            ):
                return cls(fields, None)
            name = getattr(field, "validation_alias", None) or field.alias  # as FastAPI reads it
            plain.append(_Field(field, name, (info.in_.value, name)))
        return cls(fields, tuple(plain))

    def bind(self, received: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        """The values and errors, as `request_params_to_args` gives them."""
        if self.plain is None:
            return request_params_to_args(self.fields, received)
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for binder in self.plain:
            found = binder.bind(received, values)
            if found is None:
                return request_params_to_args(self.fields, received)
            errors += found
        return values, errors


@dataclass(frozen=True)
class BodylessCall:
    """How to call one body-less route's endpoint from a request (see the module)."""

    endpoint: Callable[..., Awaitable[Response]]
    request_name: str
    guard_name: str
    guard: Callable[[Request], Awaitable[RequestContext]]
    path: _Group
    query: _Group

    @classmethod
    def of(cls, dependant: Dependant) -> BodylessCall | None:
        """The call of a route of the generated body-less shape; None for any other shape."""
        if not _takes_only_the_request(dependant, params=("path", "query")):
            return None
        if len(dependant.dependencies) != 1 or dependant.call is None:
            return None
        guard = dependant.dependencies[0]
        if guard.dependencies or not _takes_only_the_request(guard, params=()):
            return None
        if guard.call is None or guard.name is None or not _is_async(guard.call):
            return None
        if dependant.request_param_name is None or not _is_async(dependant.call):
            return None
        return cls(
            dependant.call,
            dependant.request_param_name,
            guard.name,
            guard.call,
            _Group.of(dependant.path_params),
            _Group.of(dependant.query_params),
        )

    async def __call__(self, request: Request) -> Response:
        """The endpoint's response; raises the guard's refusal or a RequestValidationError."""
        ctx = await self.guard(request)  # its one parameter: the request
        values, errors = self.path.bind(request.path_params)
        if self.query.fields:
            query_values, query_errors = self.query.bind(request.query_params)
            values.update(query_values)
            errors += query_errors
        if errors:
            raise RequestValidationError(errors)
        values[self.request_name] = request
        values[self.guard_name] = ctx
        return await self.endpoint(**values)


def _takes_only_the_request(dependant: Dependant, *, params: tuple[str, ...]) -> bool:
    """Whether a dependant takes the request and, besides, only the named kinds of parameter
    (no body, no header or cookie parameters, no response, background tasks or security scopes)."""
    kinds = {
        "path": dependant.path_params,
        "query": dependant.query_params,
        "header": dependant.header_params,
        "cookie": dependant.cookie_params,
        "body": dependant.body_params,
    }
    if any(fields for kind, fields in kinds.items() if kind not in params):
        return False
    extras = (
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
    )
    return dependant.request_param_name is not None and all(extra is None for extra in extras)


def _is_async(call: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(call)


def as_asgi(
    handle: Callable[[Request], Awaitable[Response]],
) -> Callable[[Any, Any, Any], Awaitable[None]]:
    """The ASGI app of a route whose handler needs no FastAPI exit stacks: a failure propagates
    to the application's exception handlers (Starlette's ExceptionMiddleware), which answer it
    exactly as the route-level wrapper FastAPI adds would."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        response = await handle(Request(scope, receive, send))
        await response(scope, receive, send)

    return app
