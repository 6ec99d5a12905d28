"""The bounded-head httptools protocol, driven through an in-memory transport: heads over the
limit are refused however they arrive; bodies, pipelined and keep-alive requests pass."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from app.edge.request_limits import MAX_HEAD_BYTES
from app.edge.server_protocol import PIECE_BYTES, REFUSAL, BoundedHeadProtocol

HEAD = b"GET /echo HTTP/1.1\r\nHost: test\r\nX-Padding: "


class Transport(asyncio.Transport):
    """Collects what the server writes; closing only marks it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.reading = True
        self.protocol: asyncio.BaseProtocol | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol


class App:
    """Answers with the number of body bytes read; /slow waits for `release` first."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        self.calls += 1
        if scope["path"] == "/slow":
            await self.release.wait()
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = str(size).encode()
        headers = [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def connect(app: App) -> tuple[BoundedHeadProtocol, Transport]:
    config = Config(app=app, proxy_headers=False, server_header=False, date_header=False)
    protocol = BoundedHeadProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    transport = Transport()
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    return protocol, transport


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def padded(head_bytes: int) -> bytes:
    """An incomplete head of exactly ``head_bytes`` bytes (its blank line still to come)."""
    return HEAD + b"a" * (head_bytes - len(HEAD))


def feed(protocol: BoundedHeadProtocol, data: bytes, size: int) -> None:
    for start in range(0, len(data), size):
        protocol.data_received(data[start : start + size])


def answers(transport: Transport) -> list[bytes]:
    """The status lines written, in order."""
    return re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", bytes(transport.written))


async def test_a_head_split_into_small_reads_is_refused_past_the_limit() -> None:
    app = App()
    protocol, transport = connect(app)
    feed(protocol, padded(MAX_HEAD_BYTES + 1), 100)
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 400 ")
    assert transport.written.endswith(b"\r\n\r\n" + REFUSAL.encode())
    assert b"connection: close\r\n" in transport.written
    protocol.data_received(b"a" * 100 + b"\r\n\r\n")  # what is still in flight is ignored
    await settle()
    assert app.calls == 0


async def test_a_head_exactly_at_the_limit_passes() -> None:
    app = App()
    protocol, transport = connect(app)
    feed(protocol, padded(MAX_HEAD_BYTES), 100)
    assert not transport.closed
    protocol.data_received(b"\r\n\r\n")
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"]
    assert not transport.closed


async def test_a_head_within_the_limit_passes_in_one_read_or_byte_by_byte() -> None:
    app = App()
    protocol, transport = connect(app)
    feed(protocol, padded(MAX_HEAD_BYTES - 4) + b"\r\n\r\n", 1)
    await settle()
    protocol.data_received(padded(MAX_HEAD_BYTES - 4) + b"\r\n\r\n")
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"] * 2


async def test_a_large_body_after_a_small_head_passes() -> None:
    app = App()
    protocol, transport = connect(app)
    body = b"b" * (4 * MAX_HEAD_BYTES)
    head = b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
    protocol.data_received(head + body)  # one read: the head ends early in it
    await settle()
    feed(protocol, head + body, 1000)  # many reads, each one over the head's end
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"] * 2
    assert transport.written.count(b"\r\n\r\n%d" % len(body)) == 2
    assert not transport.closed


async def test_pipelined_requests_pass() -> None:
    app = App()
    protocol, transport = connect(app)
    get = b"GET /echo HTTP/1.1\r\nHost: test\r\n\r\n"
    protocol.data_received(get + get)
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"] * 2
    # A read over the limit that ends a body, holds a whole request and starts a third: the
    # third head is counted from where its piece starts, not from the start of the read.
    body = b"b" * (2 * MAX_HEAD_BYTES)
    post = b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
    read = post + body + get + get[:20]
    assert len(read) > MAX_HEAD_BYTES + PIECE_BYTES
    protocol.data_received(read)
    await settle()
    protocol.data_received(get[20:])
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"] * 5
    assert not transport.closed


async def test_an_oversized_head_behind_a_pending_answer_lets_that_answer_finish() -> None:
    app = App()
    protocol, transport = connect(app)
    protocol.data_received(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
    await settle()
    feed(protocol, padded(MAX_HEAD_BYTES + 1), 1000)
    await settle()
    assert not transport.reading
    assert not transport.closed
    assert transport.written == b""
    app.release.set()
    await settle()
    assert answers(transport) == [b"HTTP/1.1 200 OK"]
    assert b"connection: close\r\n" in transport.written
    assert transport.closed
    assert app.calls == 1


async def test_a_head_over_the_limit_in_one_read_is_refused() -> None:
    app = App()
    protocol, transport = connect(app)
    protocol.data_received(padded(2 * MAX_HEAD_BYTES))
    assert transport.closed
    assert answers(transport) == [b"HTTP/1.1 400 Bad Request"]
    await settle()
    assert app.calls == 0


async def test_an_unparsable_request_gets_one_400() -> None:
    for padding in (10, 2 * MAX_HEAD_BYTES):  # one read, then a read parsed in pieces
        protocol, transport = connect(App())
        protocol.data_received(b"GET / HTTP/1.1\r\n\x00" + b"a" * padding)
        assert transport.closed
        assert answers(transport) == [b"HTTP/1.1 400 Bad Request"]
