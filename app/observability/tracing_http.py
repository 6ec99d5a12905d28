"""Request spans: one SERVER span per HTTP request, from the outermost middleware (app.main).

The parent comes from the request's headers (W3C `traceparent` unless OTEL_PROPAGATORS says
otherwise). Everything that names the span is read once the app has returned, from what the layers
inside left in the scope: the route Starlette matched (`scope["route"]`: the span is named by its
OpenAPI operationId, else by the route's name, else `<METHOD> unmatched`), the client address
uvicorn's ProxyHeadersMiddleware believed, and the request id of app.edge.middleware (both in the
request's Exchange, app.domain.exchange). The span's hex trace id goes into the Exchange as the
span starts, for the request log. Never
recorded: the raw path (it carries ids) and the query string."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.context import attach, detach
from opentelemetry.propagate import extract
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    TracerProvider,
    format_trace_id,
    set_span_in_context,
)
from opentelemetry.util.types import AttributeValue
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.exchange import exchange_of
from app.observability.telemetry import HTTP_METHODS, matched_route, route_name, route_template
from app.observability.tracing import error_type

RawHeaders = Sequence[tuple[bytes, bytes]]


class _HeaderGetter(Getter[RawHeaders]):
    """Reads propagation headers straight from the ASGI scope's header list."""

    def get(self, carrier: RawHeaders, key: str) -> list[str] | None:
        """Every value of the header ``key`` (lower case), or None."""
        name = key.lower().encode("latin-1")
        values = [value.decode("latin-1") for header, value in carrier if header == name]
        return values or None

    def keys(self, carrier: RawHeaders) -> list[str]:
        """The header names present."""
        return [header.decode("latin-1") for header, _ in carrier]


HEADERS = _HeaderGetter()


@dataclass
class _Response:
    """What the middleware sees of the response."""

    status: int | None = None


def span_name(route: BaseRoute | None, method: str) -> str:
    """The route's operationId, else its name (docs, metrics), else `<METHOD> unmatched`."""
    return route_name(route) or f"{method} unmatched"


def _outcome(
    scope: Scope, route: BaseRoute | None, status: int | None
) -> dict[str, AttributeValue]:
    """The attributes known once the app has returned."""
    attributes: dict[str, AttributeValue] = {"url.scheme": scope.get("scheme", "http")}
    template = route_template(route)
    if template is not None:
        attributes["http.route"] = template
    if status is not None:
        attributes["http.response.status_code"] = status
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    attributes["request_id"] = exchange_of(scope).request_id
    return attributes


def _finish(span: Span, scope: Scope, method: str, status: int | None) -> None:
    route = matched_route(scope)
    span.update_name(span_name(route, method))
    span.set_attributes(_outcome(scope, route, status))
    if status is not None and status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))


class TracingMiddleware:
    """A SERVER span around each HTTP request (see the module text)."""

    def __init__(self, app: ASGIApp, *, tracer_provider: TracerProvider) -> None:
        self.app = app
        self.tracer = tracer_provider.get_tracer(__name__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        attributes: dict[str, Any] = {"http.request.method": method}
        if method not in HTTP_METHODS:
            attributes = {"http.request.method": "_OTHER", "http.request.method_original": method}
            method = "HTTP"
        parent = extract(scope["headers"], getter=HEADERS)
        span = self.tracer.start_span(
            f"{method} unmatched", parent, kind=SpanKind.SERVER, attributes=attributes
        )
        trace_id = format_trace_id(span.get_span_context().trace_id)
        exchange_of(scope).trace_id = trace_id
        response = _Response()

        async def send_seen(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.status = message["status"]
            await send(message)

        token = attach(set_span_in_context(span, parent))
        try:
            await self.app(scope, receive, send_seen)
        except BaseException as error:
            span.set_attribute("error.type", error_type(error))
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise
        finally:
            detach(token)
            if span.is_recording():
                _finish(span, scope, method, response.status)
            span.end()
