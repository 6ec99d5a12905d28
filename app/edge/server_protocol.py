"""uvicorn's httptools protocol with a bounded request head, served with
`uvicorn --http app.edge.server_protocol:BoundedHeadProtocol`.

httptools, uvicorn's default parser, buffers a request head of any size (50 MB per connection
was seen). uvicorn's h11 parser has a limit (`--h11-max-incomplete-event-size`) but halves the
throughput: `wrk -t2 -c32` on /health/live, 3 interleaved rounds, h11 4640/4923/4859 req/s vs
httptools 8896/9461/9044 (load average 5.2). This subclass keeps httptools' speed: same wrk
command, 5 interleaved rounds of 5 s, one worker, medians: 8341 req/s and 78.6 us of server CPU per
request, vs 8623 and 76.8 for plain httptools and 4915 and 155.8 for h11 (2 cores, load average
11.3 before, 11.7 after: throughput is noisy, CPU per request is not).

A head (request line and headers) still incomplete after MAX_HEAD_BYTES received bytes is
answered 400 in plain text, as h11 answers, and the connection closed; if an earlier pipelined
request is still being answered, that answer completes and then the connection closes. Bytes are
counted after each piece is parsed, so a read that completes a head and carries body bytes is
never refused. A read over PIECE_BYTES is parsed in pieces: a head that begins inside a piece
(behind pipelined requests) is counted from the piece's start, at most PIECE_BYTES early.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.edge.request_limits import MAX_HEAD_BYTES

PIECE_BYTES = 4096
REFUSAL = "Invalid HTTP request received."
"""uvicorn's own text for a request it cannot parse (h11 sends it for an oversized head)."""


class BoundedHeadProtocol(HttpToolsProtocol):
    """HttpToolsProtocol refusing a request head over `max_head_bytes`."""

    max_head_bytes = MAX_HEAD_BYTES

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_open = False
        """Between the current request's first byte and the end of its headers."""
        self.head_began = False
        """A head began in the piece being parsed."""
        self.head_bytes = 0
        self.refused = False

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if len(data) > PIECE_BYTES:
            self._parse_in_pieces(data)
            return
        self.head_began = False
        HttpToolsProtocol.data_received(self, data)
        if self.head_open:
            self._count(len(data))

    def _parse_in_pieces(self, data: bytes) -> None:
        for start in range(0, len(data), PIECE_BYTES):
            piece = data[start : start + PIECE_BYTES]
            self.head_began = False
            HttpToolsProtocol.data_received(self, piece)
            if self.transport.is_closing() or self.transport.get_protocol() is not self:
                return  # refused as unparsable, or upgraded to a WebSocket
            if self.head_open:
                self._count(len(piece))
                if self.refused:
                    return

    def _count(self, size: int) -> None:
        """Count `size` bytes of a read that ended inside a head; refuse past the limit."""
        if self.transport.is_closing():
            return  # already answered 400 as unparsable
        self.head_bytes = size if self.head_began else self.head_bytes + size
        if self.head_bytes > self.max_head_bytes:
            self._refuse()

    def _refuse(self) -> None:
        self.refused = True
        self.logger.warning("Request head over %d bytes refused.", self.max_head_bytes)
        if self.cycle is None or self.cycle.response_complete:
            self.send_400_response(REFUSAL)
        else:  # an earlier pipelined request is being answered: finish it, then close
            self.cycle.keep_alive = False
            self.transport.pause_reading()

    # Explicit base calls rather than super(): these run for every request.
    def on_message_begin(self) -> None:
        self.head_open = self.head_began = True
        HttpToolsProtocol.on_message_begin(self)

    def on_headers_complete(self) -> None:
        self.head_open = False
        HttpToolsProtocol.on_headers_complete(self)
