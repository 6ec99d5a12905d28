"""Caps on what one request may make the service handle before anyone is authenticated: the
target URI, the number of query parameters, the header block and the body. Each check is a
length or a count, so refusing costs next to nothing whatever the request holds.

- 414 `uri_too_long`: the path is over MAX_PATH_BYTES, the query string over MAX_QUERY_BYTES, or
  the query has
  more than MAX_QUERY_PARAMETERS parameters;
- 431 `headers_too_large`: more than MAX_HEADERS headers, or more than MAX_HEADER_BYTES of names
  and values;
- 413 `body_too_large`: a body over MAX_BODY_BYTES, declared by Content-Length or streamed.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import Scope

MAX_PATH_BYTES = 2048
"""The longest valid path is under 150 bytes."""
MAX_QUERY_BYTES = 4096
"""The longest query the spec allows, percent-encoded, is under 3000 bytes: a 1536-character
cursor, a 100-character q of 4-byte characters (1200 bytes encoded) and the other parameters."""
MAX_QUERY_PARAMETERS = 32
"""No operation declares more than 6; unknown ones are refused (422) anyway."""
MAX_HEADERS = 64
MAX_HEADER_BYTES = 8192
"""Names and values together; a bearer token is under 500 bytes."""
MAX_BODY_BYTES = 64 * 1024
"""The largest valid body (a site) is under 2 KiB."""
MAX_HEAD_BYTES = 32 * 1024
"""What the server buffers of one request head (request line and headers) before it answers 400
and closes the connection, before the app sees anything: every way of serving runs uvicorn with
`--http app.edge.server_protocol:BoundedHeadProtocol` (uvicorn's default parser, httptools, has no
limit). About twice what the caps above let through, so a head over them still gets its problem."""


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
    if len(scope.get("raw_path") or scope["path"].encode()) > MAX_PATH_BYTES:
        return 414, "uri_too_long", f"The path exceeds {MAX_PATH_BYTES} bytes."
    if len(query_string) > MAX_QUERY_BYTES:
        return 414, "uri_too_long", f"The query string exceeds {MAX_QUERY_BYTES} bytes."
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
