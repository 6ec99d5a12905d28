"""What the service records of each request once it is answered: the request metrics and one log
line, both named by the operationId of the route that served it.

app.edge.middleware calls `started` and `finished` around every HTTP request; everything else is
read from the scope: the matched route (`scope["route"]`), and the request's Exchange
(app.domain.exchange): the status, the request id, the signed-in user, the trace id, the problem
code of an error answer and the rate limit that refused it. The log line never carries the
query string, a body or a header value."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

from app.domain.exchange import Exchange
from app.observability.metrics import LOGIN_OUTCOMES, RATE_LIMIT_SCOPES, UNMATCHED, Metrics

logger = logging.getLogger("app.requests")
HTTP_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
"""The methods HTTP defines (as semantic conventions name them), named as such in metrics and
spans; any other is `other` in metrics and `_OTHER` in spans (clients choose them)."""
NO_RESPONSE = 499
"""The status recorded when no response was sent: the client went away first."""
LOGIN_OPERATION = "login"


def matched_route(scope: Scope) -> BaseRoute | None:
    """The route that served the request: `scope["route"]`, else the Mount whose app did (FastAPI
    records no route for a mount, e.g. the docs' assets), else None (not routed)."""
    route: BaseRoute | None = scope.get("route")
    if route is None and "endpoint" in scope:
        routes: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
        mounts = (r for r in routes if isinstance(r, Mount) and r.app is scope["endpoint"])
        route = next(mounts, None)
    return route


def route_name(route: BaseRoute | None) -> str | None:
    """The route's operationId, else its name (metrics, swagger_ui, docs-assets), else None."""
    name = getattr(route, "operation_id", None) or getattr(route, "name", None)
    return name if isinstance(name, str) and name else None


def route_template(route: BaseRoute | None) -> str | None:
    """The path template of the route (never the raw path)."""
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else None


class RequestTelemetry:
    """Metrics (when enabled) and the request log line of every request."""

    def __init__(self, metrics: Metrics | None) -> None:
        self.metrics = metrics

    def started(self) -> float:
        """A request arrived; returns its start time for `finished`."""
        if self.metrics is not None:
            self.metrics.in_flight[0] += 1
        return time.perf_counter()

    def finished(self, scope: Scope, exchange: Exchange, started: float) -> None:
        """The request was answered with ``exchange.status`` (None: nothing was sent)."""
        seconds = time.perf_counter() - started
        status = exchange.status or NO_RESPONSE
        route = matched_route(scope)
        # The operationId; a non-spec route's name (metrics, swagger_ui); else `unmatched`.
        operation = route_name(route) or UNMATCHED
        method = scope["method"] if scope["method"] in HTTP_METHODS else "other"
        if self.metrics is not None:
            self._count(operation, method, status, seconds, exchange)
        if logger.isEnabledFor(logging.ERROR if status >= 500 else logging.INFO):
            self._log(scope, route_template(route), operation, method, status, seconds, exchange)

    def _count(
        self, operation: str, method: str, status: int, seconds: float, exchange: Exchange
    ) -> None:
        metrics = self.metrics
        assert metrics is not None  # noqa: S101 - called only with metrics
        metrics.in_flight[0] -= 1
        metrics.request(operation, method, status, seconds, exchange.api_version)
        problem = exchange.problem
        if problem == "database_unavailable":
            metrics.count("orgsites_database_unavailable")
        elif problem == "rate_limited" and exchange.rate_limited_by in RATE_LIMIT_SCOPES:
            metrics.count(
                "orgsites_rate_limit_rejections", *RATE_LIMIT_SCOPES[exchange.rate_limited_by]
            )
        if operation == LOGIN_OPERATION and status in LOGIN_OUTCOMES:
            metrics.count("orgsites_logins", LOGIN_OUTCOMES[status])

    @staticmethod
    def _log(
        scope: Scope,
        template: str | None,
        operation: str,
        method: str,
        status: int,
        seconds: float,
        exchange: Exchange,
    ) -> None:
        fields: dict[str, Any] = {
            "request_id": exchange.request_id,
            "operation": operation,
            "method": method,
            "route": template,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "api_version": exchange.api_version,
        }
        if exchange.problem is not None:
            fields["problem"] = exchange.problem
        if exchange.user_id is not None:
            fields["user_id"] = str(exchange.user_id)
        if exchange.trace_id is not None:
            fields["trace_id"] = exchange.trace_id
        client = scope.get("client")
        if client:
            fields["client_ip"] = client[0]
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            method,
            fields["route"] or operation,
            status,
            extra={"fields": fields, "composed": True},  # from the route template: no redaction
        )
