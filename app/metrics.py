"""Prometheus metrics: what each request, each database pool and the build report, and the
/metrics exposition.

One process: the metrics live in the app's own registry. Several uvicorn workers: set
PROMETHEUS_MULTIPROC_DIR (the image does) and each worker writes its values to files there, which
every scrape adds up, so whichever worker answers reports the whole server (prometheus-client's
multiprocess mode). Request metrics are labelled by operationId, never by the raw path.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
POOL_WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"
"""The operation label of requests answered before routing (unknown path, 405, caps, version)."""

METRIC_NAMES = frozenset(
    {
        "orgsites_http_requests_total",
        "orgsites_http_request_duration_seconds",
        "orgsites_http_requests_in_flight",
        "orgsites_db_pool_size",
        "orgsites_db_pool_checked_out",
        "orgsites_db_pool_wait_seconds",
        "orgsites_database_unavailable_total",
        "orgsites_rate_limit_rejections_total",
        "orgsites_logins_total",
        "orgsites_build_info",
    }
)
"""Every metric the service exports (the alerting rules in deploy/prometheus use only these)."""

RATE_LIMIT_SCOPES = {
    "credentials-ip": ("credentials", "ip"),
    "credentials-account": ("credentials", "account"),
    "user": ("standard", "user"),
    "anonymous-ip": ("standard", "anonymous"),
}
"""The (policy, scope) labels of each rate-limit counter (app.rate_limit_policy)."""
LOGIN_OUTCOMES = {200: "success", 401: "invalid_credentials", 429: "rate_limited"}


def multiprocess_dir() -> str | None:
    """The directory workers share their metrics through, when several run."""
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def _pid_of(path: str) -> int | None:
    match = re.search(r"_(\d+)\.db$", path)
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_workers(directory: str) -> None:
    """Drop the in-flight and pool gauges of workers that are gone (and of an earlier process
    with this one's pid): a worker that died mid-request would otherwise count forever. Their
    counters and histograms stay, as totals must."""
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "gauge_live*.db")):
        pid = _pid_of(path)
        if pid is not None and (pid == os.getpid() or not _alive(pid)):
            mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Exposition:
    """A rendered scrape."""

    body: bytes
    content_type: str = CONTENT_TYPE_LATEST


class PoolMetrics:
    """One connection pool's size, connections in use and time to get one."""

    def __init__(self, metrics: Metrics, pool: str, size: int) -> None:
        metrics.pool_size.labels(pool).set(size)
        self._checked_out = metrics.pool_checked_out.labels(pool)
        self._wait = metrics.pool_wait.labels(pool)

    def waited(self, seconds: float) -> None:
        """A connection was handed out after ``seconds`` (waiting for one, or opening it)."""
        self._wait.observe(seconds)

    def checked_out(self, *_: object) -> None:
        """A connection was handed out (also a SQLAlchemy `checkout` event listener)."""
        self._checked_out.inc()

    def checked_in(self, *_: object) -> None:
        """A connection came back or was closed (also a SQLAlchemy `checkin` listener)."""
        self._checked_out.dec()


RequestSeries = tuple[Callable[[], None], Callable[[float], None]]
"""(count one, observe a duration) of one operation, method and status class."""


class Metrics:
    """The service's metrics, in the app's registry (one process) or the shared directory."""

    def __init__(self, *, version: str, revision: str) -> None:
        self.directory = multiprocess_dir()
        self.registry = CollectorRegistry() if self.directory is None else None
        if self.directory is not None:
            forget_dead_workers(self.directory)
        registry = self.registry
        request_labels = ("operation", "method", "status_class")
        self.requests = Counter(
            "orgsites_http_requests",
            "HTTP requests answered, by operationId, method and status class.",
            request_labels,
            registry=registry,
        )
        self.duration = Histogram(
            "orgsites_http_request_duration_seconds",
            "Time from receiving a request to sending the last byte of its answer.",
            request_labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "orgsites_http_requests_in_flight",
            "Requests being served.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "orgsites_db_pool_size",
            "Connections each pool may open (summed over workers).",
            ("pool",),
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_checked_out = Gauge(
            "orgsites_db_pool_checked_out",
            "Connections handed out to requests.",
            ("pool",),
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_wait = Histogram(
            "orgsites_db_pool_wait_seconds",
            "Time a request took to get a pooled connection (waiting for one, or opening it).",
            ("pool",),
            buckets=POOL_WAIT_BUCKETS,
            registry=registry,
        )
        self.database_unavailable = Counter(
            "orgsites_database_unavailable",
            "Requests answered 503 database_unavailable (database down or too slow, pool "
            "exhausted, request deadline).",
            registry=registry,
        )
        self.rate_limit_rejections = Counter(
            "orgsites_rate_limit_rejections",
            "Requests refused 429 by a rate limit, by policy and what was counted.",
            ("policy", "scope"),
            registry=registry,
        )
        self.logins = Counter(
            "orgsites_logins",
            "Sign-in attempts by outcome (invalid_credentials: wrong password, unknown or "
            "inactive account).",
            ("outcome",),
            registry=registry,
        )
        build = Gauge(
            "orgsites_build_info",
            "The running build: version and git revision (always 1).",
            ("version", "revision"),
            registry=registry,
            multiprocess_mode="max",
        )
        build.labels(version, revision).set(1)
        self._series: dict[tuple[str, str, int], RequestSeries] = {}

    def series(self, operation: str, method: str, status: int) -> RequestSeries:
        """The request counter and histogram of one label set (looked up once, then kept)."""
        key = (operation, method, status)
        found = self._series.get(key)
        if found is None:
            labels = (operation, method, f"{status // 100}xx")
            found = (self.requests.labels(*labels).inc, self.duration.labels(*labels).observe)
            self._series[key] = found
        return found

    def pool(self, name: str, size: int) -> PoolMetrics:
        """The metrics of the connection pool ``name`` (orm, reads)."""
        return PoolMetrics(self, name, size)

    def expose(self) -> Exposition:
        """Every metric in Prometheus' text format: this process's, or all workers'."""
        if self.registry is not None:
            return Exposition(generate_latest(self.registry))
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        return Exposition(generate_latest(registry))
