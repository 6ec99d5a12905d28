"""ASGI middleware: request ids, API version negotiation, rate-limit headers, and the last line
of error defence."""

from __future__ import annotations

import logging
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import send_problem
from app.rate_limits import Quota

API_VERSION = "1"
SUPPORTED_VERSIONS = (API_VERSION,)
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
logger = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
"""On every response: no MIME sniffing, never framed, no referrer leaks."""
API_CSP = "default-src 'none'; frame-ancestors 'none'"
"""API responses are data, never a document to render; the docs page sets its own policy."""
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""API responses (tokens above all) are per caller and never stored by caches."""
API_PREFIX = "/api/"
PUBLIC_DOCUMENTS = ("/api/v1/openapi.json", "/api/v1/openapi.yaml")


def security_headers(path: str) -> dict[str, str]:
    """The security headers of a response to this path."""
    headers = dict(SECURITY_HEADERS)
    if path.startswith(API_PREFIX) or path.startswith("/health/"):
        headers["Content-Security-Policy"] = API_CSP
    if path.startswith(API_PREFIX) and path not in PUBLIC_DOCUMENTS:
        headers.update(NO_STORE)
    return headers


def choose_request_id(sent: str | None) -> str:
    """Echo a well-formed client X-Request-ID, otherwise make a new one."""
    if sent is not None and REQUEST_ID_PATTERN.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Tags every response with X-Request-ID, X-API-Version, the security headers and the
    RateLimit-* quota the rate-limit dependency left in the request state, refuses unknown API
    versions, and turns any unhandled exception into a 500 problem without a stack trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = choose_request_id(headers.get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                response_headers["X-API-Version"] = API_VERSION
                for name, value in security_headers(scope["path"]).items():
                    response_headers.setdefault(name, value)
                quota: Quota | None = scope["state"].get("rate_limit")
                if quota is not None:
                    response_headers.update(quota.headers())
            await send(message)

        requested = headers.get("x-api-version")
        if requested is not None and requested.strip() not in SUPPORTED_VERSIONS:
            await send_problem(
                scope,
                send_with_headers,
                status=400,
                code="unsupported_api_version",
                detail=f"API version {requested!r} is not supported; supported versions: "
                + ", ".join(SUPPORTED_VERSIONS)
                + ".",
            )
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error (request %s)", request_id)
            if not started:
                await send_problem(
                    scope,
                    send_with_headers,
                    status=500,
                    code="internal_error",
                    detail="An unexpected error occurred; quote the request id when reporting it.",
                )
