"""RFC 9457 problem details: one renderer, and the exception handlers that use it."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError, FieldError
from app.request_state import request_id_of
from app.serialization import dump_json

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


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
) -> dict[str, Any]:
    """The problem document for a response."""
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
        body["errors"] = [
            {"field": error.field, "message": error.message, "type": error.type} for error in errors
        ]
    body.update(extra or {})
    return body


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
    """An application/problem+json response for the current request."""
    body = problem_body(
        request_id_of(request),
        request.url.path,
        status=status,
        code=code,
        detail=detail,
        title=title,
        errors=errors,
        extra=extra,
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
    logger.info("integrity error on %s: %s", request.url.path, exc)
    return problem_response(
        request,
        status=409,
        code="conflict",
        detail="The request conflicts with the current state of the resource.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every client-visible error as application/problem+json."""
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
