"""CORS for browser clients on other origins: off unless CORS_ALLOW_ORIGINS lists origins.

A preflight (OPTIONS with Access-Control-Request-Method) from a listed origin, for a method and
headers the API uses, is answered 200 with the Access-Control-Allow-* headers; any other
preflight gets a 400 `cors_preflight_refused` problem. Other requests from a listed origin get
Access-Control-Allow-Origin and the response headers a client may read. Without listed origins
nothing is added, and an OPTIONS request is answered like any unsupported method (405).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.edge.problems import send_problem

ALLOWED_METHODS = ("GET", "POST", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Request-ID", "X-API-Version")
EXPOSED_HEADERS = (
    "X-Request-ID",
    "X-API-Version",
    "Location",
    "Allow",
    "Retry-After",
    "WWW-Authenticate",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
PREFLIGHT_MAX_AGE = 600
"""Seconds a browser may cache a preflight answer."""


class CorsMiddleware(CORSMiddleware):
    """Starlette's CORS middleware with bearer tokens (no cookies) and refusals as problems."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                response = self.preflight_response(request_headers=headers)
                if response.status_code == 400:
                    await send_problem(
                        scope,
                        send,
                        status=400,
                        code="cors_preflight_refused",
                        detail=bytes(response.body).decode() + ".",
                    )
                    return
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
