"""Caps on what one request may make the service handle before anyone is authenticated: the
target URI, the number of query parameters, the header block and the body. Each check is a
length or a count, so refusing costs next to nothing whatever the request holds.

- 414 `uri_too_long`: the path or the query string is over MAX_TARGET_BYTES, or the query has
  more than MAX_QUERY_PARAMETERS parameters;
- 431 `headers_too_large`: more than MAX_HEADERS headers, or more than MAX_HEADER_BYTES of names
  and values;
- 413 `body_too_large`: a body over MAX_BODY_BYTES, declared by Content-Length or streamed.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import send_problem

MAX_TARGET_BYTES = 2048
"""Each of the path and the query string (the longest valid query is a few hundred bytes)."""
MAX_QUERY_PARAMETERS = 32
"""No operation declares more than 6; unknown ones are refused (422) anyway."""
MAX_HEADERS = 64
MAX_HEADER_BYTES = 8192
"""Names and values together; a bearer token is under 500 bytes."""
MAX_BODY_BYTES = 64 * 1024
"""The largest valid body (a site) is under 2 KiB."""


class BodyTooLarge(HTTPException):
    """Raised from receive() once a streamed body passes MAX_BODY_BYTES; FastAPI lets an
    HTTPException from body reading through, so it is rendered as the 413 problem."""

    def __init__(self) -> None:
        super().__init__(413, f"The request body exceeds {MAX_BODY_BYTES} bytes.")


def query_parameter_count(query_string: bytes) -> int:
    """How many `&`-separated fields the query string has (empty ones included: an upper bound)."""
    return query_string.count(b"&") + 1 if query_string else 0


def refusal(scope: Scope) -> tuple[int, str, str] | None:
    """(status, code, detail) when the request head is over a cap, else None."""
    query_string: bytes = scope.get("query_string", b"")
    if len(scope.get("raw_path") or scope["path"].encode()) > MAX_TARGET_BYTES:
        return 414, "uri_too_long", f"The path exceeds {MAX_TARGET_BYTES} bytes."
    if len(query_string) > MAX_TARGET_BYTES:
        return 414, "uri_too_long", f"The query string exceeds {MAX_TARGET_BYTES} bytes."
    if query_parameter_count(query_string) > MAX_QUERY_PARAMETERS:
        detail = f"The query string has more than {MAX_QUERY_PARAMETERS} parameters."
        return 414, "uri_too_long", detail
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return 431, "headers_too_large", f"The request has more than {MAX_HEADERS} headers."
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return 431, "headers_too_large", f"The request headers exceed {MAX_HEADER_BYTES} bytes."
    for name, value in headers:
        if name == b"content-length" and (not value.isdigit() or int(value) > MAX_BODY_BYTES):
            return 413, "body_too_large", f"The request body exceeds {MAX_BODY_BYTES} bytes."
    return None


class RequestLimitsMiddleware:
    """Refuses requests over the caps with a problem, before routing, rate limiting or any
    database work; counts streamed bodies as they arrive."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = refusal(scope)
        if refused is not None:
            status, code, detail = refused
            await send_problem(scope, send, status=status, code=code, detail=detail)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await send_problem(scope, send, status=413, code="body_too_large", detail=exc.detail)
