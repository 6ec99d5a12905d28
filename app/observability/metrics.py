"""Prometheus metrics: what each request, each database pool and the build report, and their
exposition at /metrics.

Values are plain numbers in the process, updated on its event loop without locks: a request
costs a dictionary lookup and three additions (prometheus-client's own metrics took a lock per
update, and its multiprocess mode a write to a memory-mapped file per update: 4 to 13 us a
request, a fifth of a liveness probe). Request metrics are labelled by operationId, never by the
raw path.

Several uvicorn workers: set PROMETHEUS_MULTIPROC_DIR (the image does). Each worker writes its
values to a file of its own there every FLUSH_SECONDS, when it stops, and before it answers a
scrape; a scrape adds up every worker's file, so whichever worker answers reports the whole
server, at most FLUSH_SECONDS behind. A dead worker's counters and histograms stay in the sums,
as totals must; its gauges (requests in flight, connections) do not.

No counter, histogram bucket or sum ever goes down, even when a worker or the whole instance is
SIGKILLed (keep the directory across restarts, as the pod's emptyDir is): a scrape reports only
values already on disk (the answering worker's, written just before), and files only grow.
A flush every FLUSH_SECONDS alone lost a killed worker's last second, already reported, and the
next scrape went down (80 -> 50): a false counter reset. prometheus-client's multiprocess mode
(a memory-mapped write per update) also holds, at 8 to 14 us of CPU per request against 0.75 us
(scripts/bench/metrics_modes.py, docs/observability.md "Cost"); the write before each scrape
costs about 0.3 ms per scrape.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

FLUSH_SECONDS = 1.0
"""How often each worker writes its values for the others' scrapes."""
logger = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
POOL_WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"
"""The operation label of requests answered before routing (unknown path, 405, caps, version)."""
REQUEST_LABELS = ("operation", "method", "status_class")

Kind = Literal["counter", "gauge", "histogram"]
Labels = tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    """One metric: its kind, help text, label names and (histograms) bucket bounds."""

    kind: Kind
    help: str
    labels: Labels = ()
    buckets: tuple[float, ...] = ()
    across_workers: Literal["sum", "max"] = "sum"


SPECS: dict[str, Spec] = {
    "orgsites_http_requests": Spec(
        "counter",
        "HTTP requests answered, by operationId, method and status class.",
        REQUEST_LABELS,
    ),
    "orgsites_http_request_duration_seconds": Spec(
        "histogram",
        "Time from receiving a request to sending the last byte of its answer.",
        REQUEST_LABELS,
        LATENCY_BUCKETS,
    ),
    "orgsites_http_requests_in_flight": Spec("gauge", "Requests being served."),
    "orgsites_api_version_requests": Spec(
        "counter",
        "HTTP requests answered, by the API version that answered them and operationId (who "
        "still calls v1 before its sunset).",
        ("api_version", "operation"),
    ),
    "orgsites_db_pool_size": Spec(
        "gauge", "Connections each pool may open (summed over workers).", ("pool",)
    ),
    "orgsites_db_pool_checked_out": Spec("gauge", "Connections handed out to requests.", ("pool",)),
    "orgsites_db_pool_wait_seconds": Spec(
        "histogram",
        "Time a request took to get a pooled connection (waiting for one, or opening it).",
        ("pool",),
        POOL_WAIT_BUCKETS,
    ),
    "orgsites_database_unavailable": Spec(
        "counter",
        "Requests answered 503 database_unavailable (database down or too slow, pool exhausted, "
        "request deadline).",
    ),
    "orgsites_health_check_failures": Spec(
        "counter",
        "Health checks that failed (readiness and dependency probes), by check: database, "
        "migrations, startup, redis. The probes reach an unready pod when no client does.",
        ("check",),
    ),
    "orgsites_rate_limit_rejections": Spec(
        "counter",
        "Requests refused 429 by a rate limit, by policy and what was counted.",
        ("policy", "scope"),
    ),
    "orgsites_logins": Spec(
        "counter",
        "Sign-in attempts by outcome (invalid_credentials: wrong password, unknown or inactive "
        "account).",
        ("outcome",),
    ),
    "orgsites_build_info": Spec(
        "gauge",
        "The running build: version and git revision (always 1).",
        ("version", "revision"),
        across_workers="max",
    ),
}
METRIC_NAMES = frozenset(
    name + "_total" if spec.kind == "counter" else name for name, spec in SPECS.items()
)
"""Every metric the service exports (the alerting rules in deploy/prometheus use only these)."""

RATE_LIMIT_SCOPES = {
    "credentials-ip": ("credentials", "ip"),
    "credentials-account": ("credentials", "account"),
    "user": ("standard", "user"),
    "anonymous-ip": ("standard", "anonymous"),
}
"""The (policy, scope) labels of each rate-limit counter (app.access.rate_limit_policy)."""
LOGIN_OUTCOMES = {200: "success", 401: "invalid_credentials", 429: "rate_limited"}
HEALTH_CHECKS = ("database", "migrations", "startup", "redis")
"""The health checks (handlers.health), exported at zero from the start: an alert's increase()
then counts a pod's very first failure too."""


def observe(histogram: list[float], buckets: tuple[float, ...], value: float) -> None:
    """Count ``value`` in a histogram's numbers: its bucket (the first bound it does not exceed,
    else +Inf), and the sum."""
    histogram[bisect_left(buckets, value)] += 1
    histogram[-1] += value


class Values:
    """One process's values: per metric, per label values, a list of numbers (one for counters
    and gauges; a count per bucket, +Inf last, then the sum, for histograms)."""

    def __init__(self) -> None:
        self.series: dict[str, dict[Labels, list[float]]] = {name: {} for name in SPECS}

    def numbers(self, name: str, labels: Labels = ()) -> list[float]:
        """The numbers of one series, created at zero on first use."""
        series = self.series[name]
        found = series.get(labels)
        if found is None:
            spec = SPECS[name]
            found = [0.0] * (len(spec.buckets) + 2 if spec.kind == "histogram" else 1)
            series[labels] = found
        return found

    def add(self, name: str, labels: Labels = (), amount: float = 1.0) -> None:
        """Add ``amount`` to a counter or gauge."""
        self.numbers(name, labels)[0] += amount

    def set(self, name: str, labels: Labels, value: float) -> None:
        """Set a gauge."""
        self.numbers(name, labels)[0] = value

    def observe(self, name: str, labels: Labels, value: float) -> None:
        """Count ``value`` in a histogram."""
        observe(self.numbers(name, labels), SPECS[name].buckets, value)

    def dump(self) -> dict[str, list[list[Any]]]:
        """The values as JSON-ready data."""
        return {
            name: [[list(labels), numbers] for labels, numbers in series.items()]
            for name, series in self.series.items()
            if series
        }


def _added(
    into: dict[str, dict[Labels, list[float]]], dumped: dict[str, Any], *, gauges: bool = True
) -> None:
    """Add dumped values into ``into`` (the gauges too, unless told not to)."""
    for name, series in dumped.items():
        spec = SPECS.get(name)
        if spec is None or (spec.kind == "gauge" and not gauges):
            continue  # a metric an older version had, or a gone worker's gauge
        for labels, numbers in series:
            total = into[name].setdefault(tuple(labels), [0.0] * len(numbers))
            if len(total) != len(numbers):
                continue  # buckets an older version had
            for index, number in enumerate(numbers):
                if spec.across_workers == "max":
                    total[index] = max(total[index], number)
                else:
                    total[index] += number


def _families(series: dict[str, dict[Labels, list[float]]]) -> Iterator[Metric]:
    """Prometheus metric families of summed values."""
    for name, spec in SPECS.items():
        labels = list(spec.labels)
        family: Metric
        if spec.kind == "counter":
            family = CounterMetricFamily(name, spec.help, labels=labels)
            for values, (number,) in series[name].items():
                family.add_metric(list(values), number)
        elif spec.kind == "gauge":
            family = GaugeMetricFamily(name, spec.help, labels=labels)
            for values, (number,) in series[name].items():
                family.add_metric(list(values), number)
        else:
            family = HistogramMetricFamily(name, spec.help, labels=labels)
            bounds = [*(str(bound) for bound in spec.buckets), "+Inf"]
            for values, numbers in series[name].items():
                cumulative, running = [], 0.0
                for bound, count in zip(bounds, numbers[:-1], strict=True):
                    running += count
                    cumulative.append((bound, running))
                family.add_metric(list(values), cumulative, numbers[-1])
        yield family


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkerFiles:
    """The files workers exchange their values through: `worker-<pid>.json`, and
    `retired-<pid>-<n>.json` for an earlier process whose pid this one reuses."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pid = os.getpid()
        self.path = directory / f"worker-{self.pid}.json"
        directory.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # a restarted container reusing the pid: keep its totals
            self.path.rename(directory / f"retired-{self.pid}-{time.time_ns()}.json")

    def write(self, dumped: dict[str, list[list[Any]]]) -> None:
        """Replace this worker's file with ``dumped`` values (atomically)."""
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(dumped))
        partial.replace(self.path)

    def others(self) -> Iterator[tuple[bool, dict[str, Any]]]:
        """(whether that process is alive, its values) of every other worker's file."""
        for path in sorted(self.directory.glob("*.json")):
            if path == self.path:
                continue
            kind, pid = path.stem.split("-")[:2]
            try:
                dumped = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # removed meanwhile, or not ours
            yield kind == "worker" and pid.isdigit() and _alive(int(pid)), dumped


class Exposition(Collector):
    """What a scrape sees: this process's values, plus every other worker's when shared."""

    def __init__(
        self,
        values: Values,
        files: WorkerFiles | None,
        persisted: Callable[[], dict[str, list[list[Any]]]],
    ) -> None:
        """``persisted``: this worker's values once on disk (when shared), so that no scrape
        reports a count a SIGKILL could take back."""
        self.values = values
        self.files = files
        self.persisted = persisted

    def collect(self) -> Iterator[Metric]:
        if self.files is None:
            yield from _families(self.values.series)
            return
        totals: dict[str, dict[Labels, list[float]]] = {name: {} for name in SPECS}
        _added(totals, self.persisted())
        for alive, dumped in self.files.others():
            _added(totals, dumped, gauges=alive)  # a gone worker's totals hold, its gauges not
        yield from _families(totals)


class PoolMetrics:
    """One connection pool's size, connections in use and time to get one."""

    def __init__(self, values: Values, pool: str, size: int) -> None:
        values.set("orgsites_db_pool_size", (pool,), size)
        self._checked_out = values.numbers("orgsites_db_pool_checked_out", (pool,))
        self._wait = values.numbers("orgsites_db_pool_wait_seconds", (pool,))

    def waited(self, seconds: float) -> None:
        """A connection was handed out after ``seconds`` (waiting for one, or opening it)."""
        observe(self._wait, POOL_WAIT_BUCKETS, seconds)

    def checked_out(self, *_: object) -> None:
        """A connection was handed out (also a SQLAlchemy `checkout` event listener)."""
        self._checked_out[0] += 1

    def checked_in(self, *_: object) -> None:
        """A connection came back or was closed (also a SQLAlchemy `checkin` listener)."""
        self._checked_out[0] -= 1


class Metrics:
    """The service's metrics: recorded in this process, exposed for all of its workers."""

    content_type = CONTENT_TYPE_LATEST
    """The media type of `expose`'s output."""

    def __init__(self, *, version: str, revision: str, directory: str | None = None) -> None:
        """``directory``: where the workers share their values (PROMETHEUS_MULTIPROC_DIR), if
        several run."""
        self.values = Values()
        self.files = WorkerFiles(Path(directory)) if directory else None
        self._persisted: dict[str, list[list[Any]]] = {}
        self.registry = CollectorRegistry()
        self.registry.register(Exposition(self.values, self.files, self._persist))
        self.values.set("orgsites_build_info", (version, revision), 1)
        self.in_flight = self.values.numbers("orgsites_http_requests_in_flight")
        for check in HEALTH_CHECKS:
            self.values.numbers("orgsites_health_check_failures", (check,))
        self._requests: dict[
            tuple[str, str, int, int], tuple[list[float], list[float], list[float]]
        ] = {}
        self._flushing: asyncio.Task[None] | None = None
        self._write_failing = False

    def request(
        self, operation: str, method: str, status: int, seconds: float, api_version: int = 1
    ) -> None:
        """Count one answered request, its duration and the API version that answered it."""
        key = (operation, method, status, api_version)
        found = self._requests.get(key)
        if found is None:
            labels = (operation, method, f"{status // 100}xx")
            found = (
                self.values.numbers("orgsites_http_requests", labels),
                self.values.numbers("orgsites_http_request_duration_seconds", labels),
                self.values.numbers("orgsites_api_version_requests", (str(api_version), operation)),
            )
            self._requests[key] = found
        count, duration, by_version = found
        count[0] += 1
        by_version[0] += 1
        observe(duration, LATENCY_BUCKETS, seconds)

    def count(self, name: str, *labels: str) -> None:
        """Add one to the counter ``name`` (database_unavailable, logins, rate-limit rejections)."""
        self.values.add(name, labels)

    def check_failed(self, check: str) -> None:
        """A health check (database, migrations, startup, redis) failed."""
        self.values.add("orgsites_health_check_failures", (check,))

    def pool(self, name: str, size: int) -> PoolMetrics:
        """The metrics of the connection pool ``name`` (orm, reads)."""
        return PoolMetrics(self.values, name, size)

    def expose(self) -> bytes:
        """Every metric in Prometheus' text format (`content_type`): this process's, or all
        workers'."""
        return generate_latest(self.registry)

    def start(self) -> None:
        """Begin writing this worker's values for the others (when several share a directory)."""
        if self.files is not None and self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush_regularly())

    async def stop(self) -> None:
        """Stop writing, after a last write of the final values."""
        if self._flushing is not None:
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flushing
            self._flushing = None
        if self.files is not None:
            self.values.set("orgsites_http_requests_in_flight", (), 0)
            self._write()

    async def _flush_regularly(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self._write()

    def _persist(self) -> dict[str, list[list[Any]]]:
        """Write this worker's values and return them; if the write fails, the values last
        written (a scrape never reports what a SIGKILL could lose)."""
        self._write()
        return self._persisted

    def _write(self) -> None:
        """Write this worker's file; a failure (a full or read-only volume) is logged once and
        tried again at the next flush, never raised: it costs scrapes this worker's latest
        counts, and nothing else."""
        assert self.files is not None  # noqa: S101 - called only with files
        dumped = self.values.dump()
        try:
            self.files.write(dumped)
        except OSError as error:
            if not self._write_failing:
                logger.warning(
                    "cannot write this worker's metrics to %s (%s); other workers' scrapes miss "
                    "its latest counts until it can",
                    self.files.directory,
                    type(error).__name__,
                )
            self._write_failing = True
            return
        self._persisted = dumped
        if self._write_failing:
            logger.warning("this worker's metrics are written to %s again", self.files.directory)
            self._write_failing = False
