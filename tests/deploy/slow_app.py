"""The real app, holding requests on demand, for the graceful-shutdown test (never shipped).

`uvicorn tests.deploy.slow_app:app` serves app.main.create_app(). A request carrying the header
`x-test-hold: 1` creates $SLOW_APP_DIR/arrived, then waits until $SLOW_APP_DIR/release exists
(at most HOLD_LIMIT seconds) before the real app answers it.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from app.main import create_app

HOLD_HEADER = (b"x-test-hold", b"1")
HOLD_LIMIT = 120.0


class HoldingApp:
    """ASGI wrapper: passes everything through, holding marked requests until released."""

    def __init__(self, app: ASGIApp, directory: Path) -> None:
        self.app = app
        self.arrived = directory / "arrived"
        self.release = directory / "release"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and HOLD_HEADER in scope["headers"]:
            self.arrived.touch()
            deadline = time.monotonic() + HOLD_LIMIT
            while not self.release.exists() and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # another process creates the file
        await self.app(scope, receive, send)


app = HoldingApp(create_app(), Path(os.environ["SLOW_APP_DIR"]))
