"""Load generators: wrk when installed, else a small asyncio HTTP/1.1 keep-alive client.

Both report requests per second and the 50th and 99th latency percentiles in milliseconds.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

WRK_HINT = (
    "wrk is not installed: using the slower built-in Python load generator (it competes with the "
    "server for CPU, so ratios are lower). For the real figures: sudo apt-get install -y wrk"
)


@dataclass(frozen=True)
class Result:
    """One measurement of one request."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def have_wrk() -> bool:
    """Whether wrk is on PATH."""
    return shutil.which("wrk") is not None


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


SOCKET_ERRORS = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"


def _find(pattern: str, text: str, *default: str) -> tuple[str, ...]:
    found = re.search(pattern, text)
    if found is None:
        if not default:
            raise RuntimeError(f"unexpected wrk output:\n{text}")
        return default
    return found.groups()


def wrk(
    url: str, headers: dict[str, str], *, seconds: float, connections: int, threads: int = 2
) -> Result:
    """Run wrk against one URL and parse its --latency report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", output)[0])
    percentiles = {
        share: _ms(value, unit)
        for share, value, unit in re.findall(
            r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M
        )
    }
    failed = sum(int(n) for n in _find(r"Non-2xx or 3xx responses:\s+(\d+)", output, "0"))
    failed += sum(int(n) for n in _find(SOCKET_ERRORS, output, "0", "0", "0", "0"))
    return Result(rps, percentiles["50"], percentiles["99"], failed)


async def _connection(
    host: str, port: int, request: bytes, until: float, latencies: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            errors += not status.split(b" ")[1].startswith(b"2")
    finally:
        writer.close()
    return errors


async def _python_load(
    url: str, headers: dict[str, str], seconds: float, connections: int
) -> Result:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    errors = await asyncio.gather(
        *[
            _connection(parts.hostname or "127.0.0.1", parts.port or 80, request, until, latencies)
            for _ in range(connections)
        ]
    )
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Result(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, sum(errors))


def measure(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Result:
    """wrk if available, else the Python generator."""
    if have_wrk():
        return wrk(url, headers, seconds=seconds, connections=connections)
    return asyncio.run(_python_load(url, headers, seconds, connections))
