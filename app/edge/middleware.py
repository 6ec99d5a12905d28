"""The one ASGI middleware every HTTP request passes before routing, in a single pass:

1. the request id (X-Request-ID echoed when well formed) and the API version: the path's
   (/api/v<n>/), else the one the X-API-Version header names, else v1; a header naming another
   version than the path's, or none served, is 400 `unsupported_api_version`;
2. the size caps of app.edge.request_limits (414, 431, 413), streamed bodies counted as they arrive;
3. 405 with Allow for a method the spec does not serve on the path (app.edge.allowed_methods),
   except CORS preflights when CORS is on; HEAD is served wherever GET is (RFC 9110 9.3.2): the app
   sees a GET, the client gets its status and headers without the body;
4. the request deadline of app.edge.deadline: 503 `database_unavailable` when no response has
   started within REQUEST_TIMEOUT_SECONDS;
5. on the way out: X-Request-ID, X-API-Version, the security headers, the headers of the
   answering version (v1's deprecation headers, app.contract.versions.deprecation), the
   RateLimit-* quota the rate-limit check left in the request's Exchange (app.domain.exchange);
   and a 500 problem,
   without a stack trace, for any unhandled exception;
6. once answered: the request's metrics and log line (app.observability.telemetry), refused
   requests included.

Constant operations (liveness: its answer depends on nothing but the process being up) are
served by their route once; later plain GETs of the path (no query string) get that same answer
from memory, with the per-request headers above, so a probe costs next to nothing.

One middleware rather than a stack of them: each layer wrapped `send` and `receive` again and
the stack cost more than the liveness route itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.exchange import Exchange, exchange_of
from app.edge.allowed_methods import AllowedMethods, method_not_allowed
from app.edge.deadline import Deadline
from app.edge.problems import send_problem
from app.edge.request_limits import MAX_BODY_BYTES, BodyTooLarge, refusal
from app.edge.response_headers import (
    API_VERSION,
    SUPPORTED_VERSIONS,
    RawHeaders,
    choose_request_id,
    path_version,
    security_headers,
)
from app.observability.telemetry import RequestTelemetry

logger = logging.getLogger(__name__)
VERSION_HEADER = b"x-api-version"
REQUEST_ID_HEADER = b"x-request-id"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _copy(message: Message) -> Message:
    """A message whose header list can be appended to without touching the original."""
    if "headers" in message:
        return {**message, "headers": list(message["headers"])}
    return dict(message)


def _is_preflight(scope: Scope) -> bool:
    names = {key for key, _ in scope["headers"]}
    return scope["method"] == "OPTIONS" and {b"origin", b"access-control-request-method"} <= names


class EdgeMiddleware:
    """Request id, version, caps, 405, deadline and response headers (see the module text)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_methods: AllowedMethods,
        deadline_seconds: float,
        telemetry: RequestTelemetry,
        cors_enabled: bool = False,
        constant_paths: frozenset[str] = frozenset(),
        version_headers: dict[int, RawHeaders] | None = None,
    ) -> None:
        self.app = app
        self.allowed_methods = allowed_methods
        self.deadline_seconds = deadline_seconds
        self.telemetry = telemetry
        self.cors_enabled = cors_enabled
        self.constant_paths = constant_paths
        self.version_headers = version_headers or {}
        """Headers every response of a version carries (v1: Deprecation, Sunset, Link)."""
        self.constants: dict[str, tuple[list[Message], object]] = {}
        """The first 200 answer to a plain GET of each constant path, as the route sent it, and
        the route that sent it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.telemetry.started()
        exchange = exchange_of(scope)
        exchange.request_id = choose_request_id(_header(scope, REQUEST_ID_HEADER))
        try:
            await self._serve(scope, receive, send, exchange)
        finally:
            self.telemetry.finished(scope, exchange, started)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, exchange: Exchange) -> None:
        path_headers = security_headers(scope["path"])
        head = scope["method"] == "HEAD"
        requested = _header(scope, VERSION_HEADER)
        own = path_version(scope["path"])
        version = own or (requested.strip() if requested is not None else API_VERSION)
        exchange.api_version = int(version) if version in SUPPORTED_VERSIONS else 1
        version_headers = self.version_headers.get(exchange.api_version, ())
        answered_version = (version if version in SUPPORTED_VERSIONS else API_VERSION).encode()

        async def send_with_headers(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            elif message["type"] == "http.response.start":
                exchange.status = message["status"]
                headers: list[tuple[bytes, bytes]] = message.setdefault("headers", [])
                present = [name.lower() for name, _ in headers]
                headers.append((b"x-request-id", exchange.request_id.encode()))
                headers.append((b"x-api-version", answered_version))
                if path_headers.names.isdisjoint(present):
                    headers.extend(path_headers.raw)
                else:  # the route set one of them itself: its own stands
                    headers.extend(h for h in path_headers.raw if h[0] not in present)
                headers.extend(version_headers)
                if exchange.rate_limit is not None:
                    headers.extend(exchange.rate_limit.raw_headers())
            await send(message)

        refused = self._refusal(scope, requested, own)
        if refused is not None:
            await refused(scope, send_with_headers)
            return
        # A HEAD is served as the GET it mirrors, in a scope of its own: the server still sees
        # HEAD (and sends no body); what routing leaves in the scope is copied back for telemetry.
        app_scope = {**scope, "method": "GET"} if head else scope
        route_send: Send = send_with_headers
        if scope["method"] in ("GET", "HEAD") and not scope["query_string"]:
            if scope["path"] in self.constants:
                messages, scope["route"] = self.constants[scope["path"]]
                for message in messages:
                    await send_with_headers(_copy(message))
                return
            if scope["path"] in self.constant_paths:
                route_send = self._keeper(app_scope, send_with_headers)

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                exchange.received += len(message.get("body", b""))
                if exchange.received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            if not exchange.abandoned:  # else the client already has its 503
                await route_send(message)

        deadline = Deadline.start(self.deadline_seconds, scope, exchange, send_with_headers)
        try:
            await self.app(app_scope, counted_receive, guarded_send)
        except BaseException as error:
            if exchange.abandoned:
                await deadline.wound_down(error)
                return
            if not isinstance(error, Exception):
                raise  # cancellation, KeyboardInterrupt, SystemExit: not ours to answer
            await self._last_resort(scope, exchange, send_with_headers, error)
        finally:
            deadline.cancel()
            if head:
                scope.update({key: value for key, value in app_scope.items() if key != "method"})

    def _keeper(self, scope: Scope, send: Send) -> Send:
        """A send that also keeps a 200 answer for the path (messages as the route sent them,
        before the per-request headers are added)."""
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(_copy(message))
            done = message["type"] == "http.response.body" and not message.get("more_body")
            if done and messages[0].get("status") == HTTPStatus.OK:
                self.constants[scope["path"]] = (messages, scope.get("route"))
            await send(message)

        return keep

    def _refusal(self, scope: Scope, requested: str | None, own: str | None) -> _Refusal | None:
        """The answer to a request refused before any work, or None to serve it; ``requested``:
        the X-API-Version sent, ``own``: the path's version."""
        supported = (own,) if own in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS
        if requested is not None and requested.strip() not in supported:
            detail = (
                f"API version {requested!r} is not supported here; supported versions: "
                + ", ".join(supported)
                + "."
            )
            return _Refusal(400, "unsupported_api_version", detail)
        over_cap = refusal(scope)
        if over_cap is not None:
            return _Refusal(*over_cap)
        methods = self.allowed_methods(scope["path"])
        preflight = self.cors_enabled and _is_preflight(scope)
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        if methods is not None and method not in methods and not preflight:
            return _Refusal(*method_not_allowed(scope, methods))
        return None

    @staticmethod
    async def _last_resort(scope: Scope, exchange: Exchange, send: Send, error: Exception) -> None:
        if isinstance(error, BodyTooLarge) and not exchange.started:
            await send_problem(scope, send, status=413, code="body_too_large", detail=error.detail)
            return
        logger.error("unhandled error (request %s)", exchange.request_id, exc_info=error)
        if not exchange.started:
            await send_problem(
                scope,
                send,
                status=500,
                code="internal_error",
                detail="An unexpected error occurred; quote the request id when reporting it.",
            )


@dataclass(frozen=True)
class _Refusal:
    """A problem answered without calling the app."""

    status: int
    code: str
    detail: str
    headers: dict[str, str] | None = None

    async def __call__(self, scope: Scope, send: Send) -> None:
        status, code, detail = self.status, self.code, self.detail
        await send_problem(
            scope, send, status=status, code=code, detail=detail, headers=self.headers
        )
