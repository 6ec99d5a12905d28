"""uvicorn processes for the benchmarks, on free loopback ports, stopped when done."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from scripts.bench.load import Result, measure
from tests.live_server import BASE_ENV, LiveServer, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Server:
    """A running server: its URL and its worker processes' ids (for RSS)."""

    url: str
    pid: int

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the children of a multi-worker uvicorn, else itself."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        found = children.read_text().split() if children.exists() else []
        workers = [
            int(pid)
            for pid in found
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        return workers or [self.pid]


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Measured:
    """One server and URL under load, also recording the server's CPU time per request (what
    other load on the machine disturbs much less than throughput)."""

    def __init__(self, server: Server, url: str, headers: dict[str, str], **load: Any) -> None:
        self.server, self.url, self.headers, self.load = server, url, headers, load
        self.cpu_us: list[float] = []

    def __call__(self) -> Result:
        pids = self.server.worker_pids()
        before = sum(cpu_seconds(pid) for pid in pids)
        result = measure(self.url, self.headers, **self.load)
        answered = max(1.0, result.rps * self.load["seconds"])
        used = sum(cpu_seconds(pid) for pid in pids) - before
        self.cpu_us.append(used / answered * 1e6)
        return result


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


BOUNDED_HEAD = "app.edge.server_protocol:BoundedHeadProtocol"


def uvicorn_command(
    app: str, port: int, *, workers: int = 1, python: str = sys.executable, http: str = BOUNDED_HEAD
) -> list[str]:
    """The command line of a benchmarked server: the flags every deployment passes (no proxy
    headers, no Server header; tests/deploy checks they agree), without the access log."""
    command = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-access-log", "--no-proxy-headers", "--no-server-header"]
    return [*command, "--workers", str(workers), "--http", http]


@contextmanager
def serve(
    app: str,
    env: dict[str, str],
    *,
    workers: int = 1,
    root: Path = ROOT,
    port: int = 0,
    python: str = sys.executable,
    http: str = BOUNDED_HEAD,
) -> Iterator[Server]:
    """`uvicorn <app>` on 127.0.0.1, configured by env only, until the block ends; ``root``: the
    checkout whose code it serves (another one's for a comparison, scripts.bench.compare);
    ``python``: the interpreter (another environment's, scripts.bench.runtimes); ``http``: the
    protocol (the service's bounded head, as deployed, by default); ``port``: where it listens
    (default: a free one)."""
    port = port or free_port()
    command = uvicorn_command(app, port, workers=workers, python=python, http=http)
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "wb") as log:
        live = LiveServer(f"http://127.0.0.1:{port}", Path(tmp) / "server.log")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=root,
            env=BASE_ENV | {"PYTHONPATH": str(root), "LOG_LEVEL": "WARNING"} | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(live.url + ("/" if app.startswith("scripts.") else "/health/live"), process)
            yield Server(live.url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within 60 s")


def service_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The service's settings for a benchmark: development mode, rate limits off by default."""
    return {
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "RATE_LIMIT_ENABLED": "false",
        "ACCESS_TOKEN_EXPIRE_MINUTES": "120",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only a fallback for HOME
    } | overrides
