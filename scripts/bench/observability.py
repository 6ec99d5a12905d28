"""What metrics and request logs cost: the service with metrics off, on (in one process's
memory, as `make run` keeps them), on in a PROMETHEUS_MULTIPROC_DIR (as the image keeps them,
for several workers), and on with a JSON log line per request (LOG_LEVEL=INFO), in interleaved
rounds on a single site and on liveness. Issue 13: metrics on cost at most 5%."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from scripts.bench.load import Result, measure
from scripts.bench.servers import serve

METRICS_TARGET = 0.95
"""Throughput with metrics on (tracing off) over metrics off."""


def variants(stack: ExitStack, env: dict[str, str]) -> dict[str, str]:
    """A server per configuration; name -> URL."""
    directory = stack.enter_context(tempfile.TemporaryDirectory())
    configurations = {
        "metrics off": {"METRICS_ENABLED": "false"},
        "metrics on": {},
        "metrics on, multiprocess": {"PROMETHEUS_MULTIPROC_DIR": directory},
        "metrics on, multiprocess, JSON request log": {
            "PROMETHEUS_MULTIPROC_DIR": directory,
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
        },
    }
    return {
        name: stack.enter_context(serve("app.main:app", env | overrides)).url
        for name, overrides in configurations.items()
    }


def measurements(
    urls: dict[str, str], path: str, headers: dict[str, str], load: dict[str, Any]
) -> dict[str, Callable[[], Result]]:
    """One measurement of ``path`` per configuration."""
    return {
        name: (lambda url=url: measure(f"{url}{path}", headers, **load))
        for name, url in urls.items()
    }
