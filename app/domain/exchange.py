"""Exchange: the one object that crosses the ASGI boundary for a request, in the scope under
EXCHANGE_KEY.

The guard hands its typed values (the caller, the organization, the role) to the handler in the
RequestContext; nothing of that travels here. What travels is only what code *outside* the route
must know, because the middleware and the route do not call each other, they wrap each other:

- `request_id`: chosen by app.edge.middleware; every problem body, log line and span names it;
- `status`, `abandoned`, `received`: the edge's own record of the exchange (the response's
  status once it starts, whether the deadline answered 503 in the request's place, the body
  bytes read so far), read by app.edge.deadline and the request's telemetry;
- `problem`: the code of a problem answer (app.edge.problems), for the metrics and the log line;
- `rate_limit`, `rate_limited_by`: the tightest quota counted (app.access.rate_limit_policy),
  sent as RateLimit-* headers by the edge, and the limit that refused the request, for metrics;
- `user_id`: the caller, once authenticated, for the log line;
- `api_version`: the API version answering (the path's, app.edge.middleware), for the
  X-API-Version header, the version's problem shape, its headers, the metrics and the log line;
- `trace_id`: the request span's trace (app.observability.tracing_http), for the log line;
- `unit_of_work`: what authorize() opened, finished by the route (app.contract.runtime) after
  the response is serialized; its presence also marks a retried attempt (not counted again).

It lives in app.domain, the lowest layer, because its writers span the edge, access, contract
and observability layers; it is a plain object with slots (one allocation per request) whose
two foreign fields are typed by the small protocols below, so it imports no other layer.
"""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from typing import Any, Protocol

EXCHANGE_KEY = "orgsites.exchange"
"""The ASGI scope key of the request's Exchange."""


class QuotaHeaders(Protocol):
    """A rate-limit quota, as far as the edge sends it."""

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The RateLimit-* headers as ASGI byte pairs."""


class Finishable(Protocol):
    """A unit of work, as far as the route finishes it."""

    async def finish(self, error: BaseException | None) -> None:
        """Commit (no error) or roll back."""


class Exchange:
    """What crosses the ASGI boundary for one request (see the module text)."""

    __slots__ = (
        "abandoned",
        "api_version",
        "problem",
        "rate_limit",
        "rate_limited_by",
        "received",
        "request_id",
        "status",
        "trace_id",
        "unit_of_work",
        "user_id",
    )

    def __init__(self, request_id: str = "-") -> None:
        self.request_id = request_id
        self.status: int | None = None
        """The status the response started with; None until it starts."""
        self.abandoned = False
        self.received = 0
        self.problem: str | None = None
        self.rate_limit: QuotaHeaders | None = None
        self.rate_limited_by: str | None = None
        self.user_id: uuid.UUID | None = None
        self.trace_id: str | None = None
        self.unit_of_work: Finishable | None = None
        self.api_version = 1

    @property
    def started(self) -> bool:
        """Whether the response has started."""
        return self.status is not None


def exchange_of(scope: MutableMapping[str, Any]) -> Exchange:
    """The request's Exchange; created by the first layer that asks (the outermost one)."""
    exchange: Exchange | None = scope.get(EXCHANGE_KEY)
    if exchange is None:
        exchange = scope[EXCHANGE_KEY] = Exchange()
    return exchange
