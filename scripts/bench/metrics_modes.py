"""`python -m scripts.bench.metrics_modes`: what one request's metric updates cost with several
uvicorn workers (PROMETHEUS_MULTIPROC_DIR), in CPU microseconds, and what one scrape costs:

- `values + files` (app.observability.metrics): plain numbers on the event loop, a file per
  worker written every second and before each scrape (no count a SIGKILL could take back is
  ever reported);
- `prometheus-client multiprocess`: its own metric objects, whose multiprocess mode writes
  every update to a memory-mapped file (so nothing is lost either), labels looked up per call as
  its documentation shows, and with the labelled children cached (its cheapest use).

The same updates a request makes: requests in flight up and down, a pooled connection out and
back with its wait observed, the request counted and its duration observed. Interleaved rounds,
each variant in a fresh process (prometheus-client picks its mode at import), medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

VARIANTS = ("values + files", "prometheus-client multiprocess", "prometheus-client, cached")
UPDATES = 200_000
WARM = 20_000
OTHER_WORKERS = 2
"""Files of other workers present during the scrape timing (two more workers)."""


def _ours(directory: str) -> tuple[float, float]:
    from app.observability.metrics import Metrics

    for _ in range(OTHER_WORKERS):  # other workers' files, as a scrape finds them
        other = Metrics(version="1", revision="x", directory=directory)
        other.request("getSite", "GET", 200, 0.003)
        other._write()
        other.files.path.rename(Path(directory) / f"worker-{os.getpid() + 1 + _}.json")  # type: ignore[union-attr]
    metrics = Metrics(version="1", revision="x", directory=directory)
    pool = metrics.pool("reads", 10)

    def one() -> None:
        metrics.in_flight[0] += 1
        pool.checked_out()
        pool.waited(0.0004)
        pool.checked_in()
        metrics.in_flight[0] -= 1
        metrics.request("getSite", "GET", 200, 0.003)

    return _time(one), _time_scrape(metrics.expose)


def _client(directory: str, cached: bool) -> tuple[float, float]:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    from app.observability.metrics import LATENCY_BUCKETS, POOL_WAIT_BUCKETS, REQUEST_LABELS

    requests = Counter("orgsites_http_requests", "r", REQUEST_LABELS)
    duration = Histogram(
        "orgsites_http_request_duration_seconds", "d", REQUEST_LABELS, buckets=LATENCY_BUCKETS
    )
    in_flight = Gauge("orgsites_http_requests_in_flight", "f", multiprocess_mode="livesum")
    out = Gauge("orgsites_db_pool_checked_out", "o", ["pool"], multiprocess_mode="livesum")
    wait = Histogram("orgsites_db_pool_wait_seconds", "w", ["pool"], buckets=POOL_WAIT_BUCKETS)
    labels = ("getSite", "GET", "2xx")
    if cached:
        request_count, request_time = requests.labels(*labels), duration.labels(*labels)
        pool_out, pool_wait = out.labels("reads"), wait.labels("reads")

        def one() -> None:
            in_flight.inc()
            pool_out.inc()
            pool_wait.observe(0.0004)
            pool_out.dec()
            in_flight.dec()
            request_count.inc()
            request_time.observe(0.003)
    else:

        def one() -> None:
            in_flight.inc()
            out.labels("reads").inc()
            wait.labels("reads").observe(0.0004)
            out.labels("reads").dec()
            in_flight.dec()
            requests.labels(*labels).inc()
            duration.labels(*labels).observe(0.003)

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return _time(one), _time_scrape(lambda: generate_latest(registry))


def _time(one: Callable[[], object]) -> float:
    """CPU microseconds per call."""
    for _ in range(WARM):
        one()
    started = time.process_time()
    for _ in range(UPDATES):
        one()
    return (time.process_time() - started) / UPDATES * 1e6


def _time_scrape(scrape: Callable[[], object], times: int = 200) -> float:
    """CPU microseconds per scrape."""
    scrape()
    started = time.process_time()
    for _ in range(times):
        scrape()
    return (time.process_time() - started) / times * 1e6


def child(variant: str) -> None:
    """Measure one variant in this process; print 'per request, per scrape'."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if variant == VARIANTS[0]:
        per_request, per_scrape = _ours(directory)
    else:
        per_request, per_scrape = _client(directory, cached=variant == VARIANTS[2])
    print(f"{per_request} {per_scrape}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=VARIANTS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    found: dict[str, list[tuple[float, float]]] = {variant: [] for variant in VARIANTS}
    for round_number in range(1, args.rounds + 1):
        for variant in VARIANTS:
            with tempfile.TemporaryDirectory() as directory:
                output = subprocess.run(  # noqa: S603 - this script
                    [sys.executable, "-m", "scripts.bench.metrics_modes", "--child", variant],
                    env=os.environ | {"PROMETHEUS_MULTIPROC_DIR": directory},
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
            found[variant].append((float(output[0]), float(output[1])))
        print(
            f"round {round_number}: "
            + ", ".join(f"{v} {found[v][-1][0]:.2f} us" for v in VARIANTS)
            + f" (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    for variant, runs in found.items():
        print(
            f"{variant}: {statistics.median(r for r, _ in runs):.2f} us CPU per request, "
            f"{statistics.median(s for _, s in runs):.0f} us per scrape"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
