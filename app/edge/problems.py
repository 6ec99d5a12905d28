"""RFC 9457 problem details: one renderer, and the exception handlers that use it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.types import Scope, Send

from app.domain.errors import DomainError, FieldError
from app.domain.exchange import exchange_of
from app.observability.logs import describe_error

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_SECONDS = 5
"""What a 503 `database_unavailable` asks clients to wait: about a pool or connect timeout."""
DATABASE_UNAVAILABLE_DETAIL = (
    "The database is unavailable or not answering; retry after the Retry-After delay. "
    "A write answered this way may or may not have been applied."
)
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
"""Driver errors meaning the database cannot serve now (refused, closed, restarting, timed out,
pool exhausted), as opposed to errors in the request."""
logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    503: "service_unavailable",
}


ErrorShape = Callable[[FieldError], dict[str, Any]]
"""How one version writes an item of a problem's `errors`."""


def _pointer_token(part: str | int) -> str:
    """One RFC 6901 reference token."""
    return str(part).replace("~", "~0").replace("/", "~1")


def error_item(error: FieldError) -> dict[str, Any]:
    """An `errors` item as the newest version writes it: a body field by RFC 6901 JSON Pointer
    into the request body, a query, path or header parameter by name."""
    where, *rest = error.parts or ("body",)
    if where in PARAMETER_LOCATIONS and rest:
        return {"parameter": str(rest[0]), "detail": error.message, "type": error.type}
    pointer = "".join(f"/{_pointer_token(part)}" for part in rest) if where == "body" else ""
    return {"pointer": pointer, "detail": error.message, "type": error.type}


PARAMETER_LOCATIONS = frozenset({"query", "path", "header", "cookie"})
OLDER_ERROR_SHAPES: dict[int, ErrorShape] = {}
"""The `errors` item of each older version that writes it differently (set by app.main from
app.contract.versions); every other version gets error_item."""


def dump_json(value: Any) -> bytes:
    """Compact JSON bytes for any value pydantic can serialise (models, UUIDs, datetimes)."""
    return to_json(value, by_alias=True)


def request_id_of(connection: HTTPConnection) -> str:
    """The X-Request-ID app.edge.middleware assigned to this request."""
    return exchange_of(connection.scope).request_id


def problem_body(
    request_id: str,
    instance: str,
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    api_version: int = 1,
) -> dict[str, Any]:
    """The problem document for a response, its `errors` as the API version writes them."""
    body: dict[str, Any] = {
        "type": f"urn:problem-type:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id,
    }
    if errors is not None:
        shape = OLDER_ERROR_SHAPES.get(api_version, error_item)
        body["errors"] = [shape(error) for error in errors]
    body.update(extra or {})
    return body


async def send_problem(
    scope: Scope,
    send: Send,
    *,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Send a problem response from ASGI middleware, outside FastAPI's exception handlers (its
    code is left in the request's Exchange, for app.observability.telemetry)."""
    exchange = exchange_of(scope)
    exchange.problem = code
    request_id = exchange.request_id
    body = dump_json(
        problem_body(request_id, scope["path"], status=status, code=code, detail=detail)
    )
    raw_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [
        (name.lower().encode(), value.encode()) for name, value in (headers or {}).items()
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def database_unavailable_headers() -> dict[str, str]:
    """The headers of every 503 `database_unavailable`."""
    return {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """An application/problem+json response for the current request (its code is left in the
    request's Exchange, for app.observability.telemetry)."""
    exchange = exchange_of(request.scope)
    exchange.problem = code
    body = problem_body(
        exchange.request_id,
        request.url.path,
        status=status,
        code=code,
        detail=detail,
        title=title,
        errors=errors,
        extra=extra,
        api_version=exchange.api_version,
    )
    return Response(dump_json(body), status_code=status, headers=headers, media_type=PROBLEM_JSON)


MAX_FIELD_ERRORS = 100
"""The spec's Problem.errors maxItems: a body with thousands of unknown keys gets the first 100."""


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    """Pydantic/FastAPI validation errors as FieldErrors with dotted locations (the first 100)."""
    return [
        FieldError(
            field=".".join(str(part) for part in error.get("loc", ())),
            message=str(error.get("msg", "invalid value")),
            type=str(error.get("type", "value_error")),
            location=tuple(error.get("loc", ())),
        )
        for error in exc.errors()[:MAX_FIELD_ERRORS]
    ]


async def on_domain_error(request: Request, exc: Exception) -> Response:
    """DomainError -> its own status and code."""
    assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
    return problem_response(
        request,
        status=exc.status,
        code=exc.problem_code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def on_validation_error(request: Request, exc: Exception) -> Response:
    """Request validation -> 422 listing every bad field."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = field_errors(exc)
    return problem_response(
        request,
        status=422,
        code="validation_failed",
        detail=f"The request has {len(errors)} invalid field(s).",
        errors=errors,
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (unknown route 404, wrong method 405 off the spec's paths) as problems."""
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description
    if status == 404 and detail == "Not Found":
        detail = f"No route matches {request.url.path}."
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem_response(
        request,
        status=status,
        code=HTTP_CODES.get(status, "http_error"),
        detail=detail,
        headers=dict(exc.headers or {}),
    )


async def on_integrity_error(request: Request, exc: Exception) -> Response:
    """A constraint violation that slipped past the handlers' checks (e.g. a race) -> 409."""
    logger.info(
        "integrity error (request %s) on %s: %s",
        request_id_of(request),
        request.url.path,
        describe_error(exc),
    )
    return problem_response(
        request,
        status=409,
        code="conflict",
        detail="The request conflicts with the current state of the resource.",
    )


async def on_database_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down, restarting, refusing or too slow -> 503 with Retry-After. The
    driver's text (host, port, database) goes to the log with the request id, never to clients."""
    logger.warning(
        "database unavailable (request %s, %s %s): %s",
        request_id_of(request),
        request.method,
        request.url.path,
        describe_error(exc),
    )
    return problem_response(
        request,
        status=503,
        code="database_unavailable",
        detail=DATABASE_UNAVAILABLE_DETAIL,
        headers=database_unavailable_headers(),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every client-visible error as application/problem+json."""
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, on_database_unavailable)
