"""What a real uvicorn, served as every deployment serves it (tests.live_server.SERVE_COMMAND),
does with hostile request heads: no redirect built from a forged Host, a bounded head, and HEAD
answered wherever GET is."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from app.edge.request_limits import MAX_HEAD_BYTES, MAX_HEADER_BYTES
from tests.live_server import LiveServer, live_server, throwaway_env

HOSTILE = {"Host": "evil.example"}
CHUNK = 64 * 1024
SOCKET_TIMEOUT = 60.0
"""Seconds: only so a broken server cannot hang the test; nothing is timed."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(throwaway_env(tmp_path_factory.mktemp("edge"))) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/auth/login/"),
        ("GET", "/api/v1/users/"),
        ("POST", "/api/v1/organizations/"),
        ("GET", "/health/live/"),
    ],
)
def test_a_trailing_slash_is_an_unknown_path_never_a_redirect_to_the_host_header(
    server: LiveServer, method: str, path: str
) -> None:
    body = {"email": "ada@example.com", "password": "correct-horse-battery"}
    response = httpx.request(
        method, server.url + path, json=body, headers=HOSTILE, timeout=SOCKET_TIMEOUT
    )
    unknown = httpx.get(server.url + "/api/v1/nowhere", timeout=SOCKET_TIMEOUT)
    assert response.status_code == 404, response.headers
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == unknown.json()["code"] == "not_found"


def _send_head(url: str, head: bytes, padding: int) -> bytes:
    """Send ``head`` plus ``padding`` bytes of one header's value and the blank line; what the
    server answered, or b"" when it closed the connection while the head was still arriving."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=SOCKET_TIMEOUT) as sock:
        try:
            sock.sendall(head + b"X-Padding: ")
            for start in range(0, padding, CHUNK):
                sock.sendall(b"a" * min(CHUNK, padding - start))
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return b""
        answer = b""
        try:
            while chunk := sock.recv(CHUNK):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def test_a_request_head_is_bounded_by_the_server(server: LiveServer) -> None:
    head = b"GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    # 16 MiB of one header: the server stops reading at MAX_HEAD_BYTES (400, or the connection
    # closed under the sender) instead of buffering it all and handing it to the app (431).
    answer = _send_head(server.url, head, 16 * 1024 * 1024)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"headers_too_large" not in answer
    # The limit leaves the app's own caps reachable: a head over them but under the server's
    # limit gets the app's problem, one within them is served.
    over_caps = _send_head(server.url, head, MAX_HEADER_BYTES + 1024)
    assert MAX_HEADER_BYTES + 1024 < MAX_HEAD_BYTES
    assert over_caps.startswith(b"HTTP/1.1 431 "), over_caps[:200]
    assert b"headers_too_large" in over_caps
    assert _send_head(server.url, head, 1024).startswith(b"HTTP/1.1 200 ")


def test_head_is_answered_wherever_get_is(server: LiveServer) -> None:
    for path, status in [("/health/live", 200), ("/api/v1/users/me", 401), ("/docs", 200)]:
        got = httpx.get(server.url + path, timeout=SOCKET_TIMEOUT)
        head = httpx.head(server.url + path, timeout=SOCKET_TIMEOUT)
        assert (head.status_code, got.status_code) == (status, status), path
        assert head.content == b""
        assert (
            head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
        )
        assert head.headers["content-type"] == got.headers["content-type"]
    refused = httpx.head(server.url + "/api/v1/auth/login", timeout=SOCKET_TIMEOUT)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.content == b""


def test_the_server_keeps_the_connection_usable_after_a_head(server: LiveServer) -> None:
    # A HEAD answer with a body would leave its bytes in the connection, read as the next answer.
    with httpx.Client(base_url=server.url, timeout=SOCKET_TIMEOUT) as client:
        for _ in range(3):
            assert client.head("/health/live").status_code == 200
            assert client.get("/health/live").json()["data"]["status"] == "pass"


def test_pipelined_requests_are_all_answered(server: LiveServer) -> None:
    # One write holding a GET, a POST whose body is over the head limit, and a GET: the bound
    # counts heads only, so the body and the requests around it pass.
    get = b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n"
    body = b"{" + b" " * (MAX_HEAD_BYTES + 1024) + b"}"
    post = b"POST /health/live HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
    last = b"GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(get + post + body + last)
        answer = b""
        while chunk := sock.recv(CHUNK):
            answer += chunk
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", answer) == [b"200", b"405", b"200"], answer[:500]
