"""Real uvicorn processes for tests whose behaviour depends on the server (several instances,
the client address, a store that goes away)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SERVE_COMMAND = (
    "-m",
    "uvicorn",
    "app.main:app",
    "--host",
    "127.0.0.1",
    "--no-proxy-headers",
    "--no-server-header",
    "--http",
    "app.edge.server_protocol:BoundedHeadProtocol",
)
"""The way `make run` serves the app (see the Makefile)."""
BASE_ENV = {
    name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ
}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def throwaway_env(directory: Path) -> dict[str, str]:
    """Settings for a server whose database does not matter (an unmigrated SQLite file)."""
    return {
        "APP_ENV": "test",
        "SECRET_KEY": "throwaway-test-secret-key-" + "0123456789" * 4,
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'throwaway.db'}",
    }


@dataclass(frozen=True)
class LiveServer:
    """A running server: its URL and where its output goes."""

    url: str
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


def wait_until_live(
    server: LiveServer, process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    """Poll /health/live until the server answers (generous: CI machines are shared)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health/live", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.url} was not live within {timeout} s:\n{server.log()}")


@contextmanager
def live_server(env: dict[str, str]) -> Iterator[LiveServer]:
    """Serve the app in a uvicorn subprocess configured by ``env`` alone (plus PATH and the like,
    but none of the developer's own settings)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "wb") as log:
        server = LiveServer(f"http://127.0.0.1:{port}", Path(tmp) / "server.log")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *SERVE_COMMAND, "--port", str(port)],
            cwd=ROOT,
            env=BASE_ENV | {"LOG_LEVEL": "WARNING"} | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_live(server, process)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
