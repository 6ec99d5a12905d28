"""Header policies of every response: the request id, the API version and the security headers.
(app.edge.middleware applies them.)"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from app.edge.docs import DOCS_PAGE_CSP, DOCS_URL, SPEC_URLS

API_VERSION = "1"
"""The version answering a path outside /api/v<n>/ (health checks) when the request names none:
v1 until its sunset, so that no v1 client sees a change."""
SUPPORTED_VERSIONS = ("1", "2")
VERSIONED_PATH = re.compile(r"^/api/v(\d+)/")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
"""On every response: no MIME sniffing, never framed, no referrer leaks."""
API_CSP = "default-src 'none'; frame-ancestors 'none'"
"""API responses are data, never a document to render; the docs page has its own policy
(app.edge.docs.DOCS_PAGE_CSP), its assets this one."""
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""API responses (tokens above all) are per caller and never stored by caches."""
API_PREFIX = "/api/"
PUBLIC_DOCUMENTS = SPEC_URLS

RawHeaders = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class HeaderSet:
    """Headers as ASGI (name, value) byte pairs, with their names for a quick clash check."""

    raw: RawHeaders
    names: frozenset[bytes]


def _raw(headers: dict[str, str]) -> HeaderSet:
    raw = tuple((name.lower().encode(), value.encode()) for name, value in headers.items())
    return HeaderSet(raw, frozenset(name for name, _ in raw))


_OTHER = _raw(SECURITY_HEADERS)
_DOCUMENT = _raw(SECURITY_HEADERS | {"Content-Security-Policy": API_CSP})
_API = _raw(SECURITY_HEADERS | {"Content-Security-Policy": API_CSP} | NO_STORE)
_DOCS_PAGE = _raw(SECURITY_HEADERS | {"Content-Security-Policy": DOCS_PAGE_CSP})


def security_headers(path: str) -> HeaderSet:
    """The security headers of a response to this path."""
    if path.startswith(API_PREFIX):
        return _DOCUMENT if path in PUBLIC_DOCUMENTS else _API
    if path.startswith("/health/") or path.startswith(DOCS_URL + "/"):
        return _DOCUMENT
    if path == DOCS_URL:
        return _DOCS_PAGE
    return _OTHER


def path_version(path: str) -> str | None:
    """The API version a path is served under (/api/v2/... -> "2"); None outside /api/v<n>/."""
    match = VERSIONED_PATH.match(path)
    return match.group(1) if match else None


def choose_request_id(sent: str | None) -> str:
    """Echo a well-formed client X-Request-ID, otherwise make a new one."""
    if sent is not None and REQUEST_ID_PATTERN.fullmatch(sent):
        return sent
    return os.urandom(16).hex()  # 128 random bits, as uuid4's hex without building a UUID
