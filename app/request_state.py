"""Per-request values the middleware stores in the ASGI scope."""

from __future__ import annotations

from starlette.requests import HTTPConnection


def request_id_of(connection: HTTPConnection) -> str:
    """The X-Request-ID the middleware assigned to this request."""
    return str(getattr(connection.state, "request_id", "-"))
