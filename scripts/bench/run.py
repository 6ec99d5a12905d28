"""`make bench`: the service against a bare FastAPI app and (PostgreSQL) against the raw
two-statement reference of issue 21 (scripts/bench/reference_app.py), all under the same uvicorn,
in interleaved rounds; then RSS per worker, the rate limiter's cost with Redis, throughput with
two workers and (PostgreSQL) the cost of DB_PREPARED_STATEMENTS=false.

The database is BENCH_DATABASE_URL (PostgreSQL), else a SQLite file in a temporary directory.
Redis for the rate limiter comparison is BENCH_REDIS_URL (skipped without it). Everything
listens on 127.0.0.1 and the run is bounded by --rounds x requests x --seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from scripts.bench import observability
from scripts.bench.load import WRK_HINT, Result, have_wrk
from scripts.bench.seed import EMAIL, PASSWORD, Fixture, seed_small
from scripts.bench.servers import Measured, Server, rss_mb, serve, service_env

TARGETS = {
    "list 100 sites": 0.15,
    "list 10 sites": 0.25,
    "get one site": 0.30,
    "v2 list 100 sites": 0.15,
    "v2 list 10 sites": 0.25,
    "v2 get one site": 0.30,
    "/health/live": 0.80,
}
"""Issue 9: each request's throughput over bare FastAPI's; v1's reads (through its version
changes) and v2's (the handlers' own) have the same targets."""
REFERENCE_TARGETS = {
    "list 100 sites": 0.75,
    "list 10 sites": 0.85,
    "get one site": 1.0,
    "v2 list 100 sites": 0.75,
    "v2 list 10 sites": 0.85,
    "v2 get one site": 1.0,
}
"""Issue 21: each read's throughput over the raw reference reading the same (PostgreSQL), for
the deprecated v1 (through its version changes) and the current v2 alike."""
REFERENCES = {
    "list 100 sites": "reference: list 100",
    "list 10 sites": "reference: list 10",
    "get one site": "reference: one site",
    "v2 list 100 sites": "reference: list 100",
    "v2 list 10 sites": "reference: list 10",
    "v2 get one site": "reference: one site",
}
"""Which reference run each read is compared with."""
LIMITER_TARGET = 0.90
"""Issue 21: the Redis rate limiter keeps >= 0.90 of the throughput with limits off."""
P99_OVER_P50 = 3.0


def requests_for(fixture: Fixture) -> dict[str, str]:
    """The paths of the issue's table."""
    sites = f"/api/v1/organizations/{fixture.org_id}/sites"
    sites_v2 = f"/api/v2/organizations/{fixture.org_id}/sites"
    return {
        "list 100 sites": f"{sites}?per_page=100",
        "list 10 sites": f"{sites}?per_page=10",
        "get one site": f"{sites}/{fixture.site_id}",
        "v2 list 100 sites": f"{sites_v2}?per_page=100",
        "v2 list 10 sites": f"{sites_v2}?per_page=10",
        "v2 get one site": f"{sites_v2}/{fixture.site_id}",
        "/health/live": "/health/live",
    }


def sign_in(url: str) -> dict[str, str]:
    """The bench user's bearer header."""
    response = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=60
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['data']['access_token']}"}


def reference_paths(fixture: Fixture) -> dict[str, str]:
    """The reference app's paths for the same reads (scripts/bench/reference_app.py)."""
    return {
        "reference: list 100": f"/sites/{fixture.org_id}?per_page=100",
        "reference: list 10": f"/sites/{fixture.org_id}?per_page=10",
        "reference: one site": f"/sites/{fixture.org_id}/{fixture.site_id}",
    }


def interleaved(
    runs: Mapping[str, Callable[[], Result]],
    rounds: int,
    baseline: str,
    references: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Run every measurement once per round, in turn, and summarize each over the rounds, with
    its throughput as a ratio to the baseline's in the same round (machine noise cancels), and
    for the runs ``references`` names, to their reference run's in the same round."""
    references = {name: ref for name, ref in (references or {}).items() if ref in runs}
    results: dict[str, list[Result]] = {name: [] for name in runs}
    ratios: dict[str, list[float]] = {name: [] for name in runs}
    to_reference: dict[str, list[float]] = {name: [] for name in references}
    for round_number in range(1, rounds + 1):
        for name, run in runs.items():
            results[name].append(run())
        for name in runs:
            ratios[name].append(results[name][-1].rps / results[baseline][-1].rps)
        for name, reference in references.items():
            to_reference[name].append(results[name][-1].rps / results[reference][-1].rps)
        cpu = {name: run.cpu_us[-1] for name, run in runs.items() if isinstance(run, Measured)}
        print(
            f"  round {round_number}/{rounds}: "
            + ", ".join(
                f"{name} {results[name][-1].rps:.0f}/s"
                + (f" ({cpu[name]:.0f} us CPU)" if name in cpu else "")
                for name in runs
            )
        )
    summary: dict[str, dict[str, Any]] = {}
    for name, measured in results.items():
        summary[name] = {
            "rps": statistics.median(r.rps for r in measured),
            "p50_ms": statistics.median(r.p50_ms for r in measured),
            "p99_ms": statistics.median(r.p99_ms for r in measured),
            "ratio": statistics.median(ratios[name]),
            "ratio_per_round": ratios[name],
            "errors": sum(r.errors for r in measured),
        }
        run = runs[name]
        if isinstance(run, Measured):
            summary[name]["cpu_us_per_request"] = statistics.median(run.cpu_us)
            summary[name]["cpu_us_per_round"] = list(run.cpu_us)
        if name in to_reference:
            summary[name]["reference"] = references[name]
            summary[name]["reference_ratio"] = statistics.median(to_reference[name])
            summary[name]["reference_ratio_per_round"] = to_reference[name]
    for name, reference in references.items():
        own, theirs = summary[name], summary[reference]
        if "cpu_us_per_request" in own and "cpu_us_per_request" in theirs:
            own["reference_cpu_ratio"] = theirs["cpu_us_per_request"] / own["cpu_us_per_request"]
    return summary


def report(
    title: str,
    summary: dict[str, dict[str, Any]],
    targets: Mapping[str, float],
    reference_targets: Mapping[str, float] | None = None,
) -> None:
    """One table: req/s, p50, p99, the ratio to the baseline and to the reference, the targets
    (a ratio target and, on every row, p99 <= P99_OVER_P50 x p50)."""
    reference_targets = reference_targets or {}
    print(f"\n{title}")
    print(
        f"{'request':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8} {'ratio':>7}"
        f" {'to ref':>7} {'CPU us':>7} {'CPU ref':>7}  targets"
    )
    for name, row in summary.items():
        tail = row["p99_ms"] / row["p50_ms"] if row["p50_ms"] else float("nan")
        checks = [f"p99 <= {P99_OVER_P50:g}x p50", tail <= P99_OVER_P50]
        verdicts = []
        target = targets.get(name)
        if target is not None:
            verdicts.append((f"ratio >= {target:.2f}", row["ratio"] >= target))
        reference_target = reference_targets.get(name)
        if reference_target is not None and "reference_ratio" in row:
            ok = row["reference_ratio"] >= reference_target
            verdicts.append((f"to ref >= {reference_target:.2f}", ok))
        verdicts.append((str(checks[0]), bool(checks[1])))
        verdict = ", ".join(f"{text}: {'ok' if ok else 'MISS'}" for text, ok in verdicts)
        to_reference = f"{row['reference_ratio']:7.3f}" if "reference_ratio" in row else " " * 7
        cpu = f"{row['cpu_us_per_request']:7.0f}" if "cpu_us_per_request" in row else " " * 7
        cpu_ratio = row.get("reference_cpu_ratio")
        to_reference += f" {cpu} " + (f"{cpu_ratio:7.3f}" if cpu_ratio else " " * 7)
        errors = f"  ({row['errors']} errors)" if row["errors"] else ""
        print(
            f"{name:20} {row['rps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{tail:8.1f} {row['ratio']:7.3f} {to_reference}  {verdict}{errors}"
        )


def run_load(
    server: Server, url: str, headers: dict[str, str], seconds: float, connections: int
) -> Measured:
    """A measurement of one URL of the server, to run later (with the server's CPU time)."""
    return Measured(server, url, headers, seconds=seconds, connections=connections)


SIGNING_IN_CLIENTS = 4
LOGINS_TARGET = 0.70
"""Issue 9: four clients signing in as fast as they can cut liveness throughput by <= 30%."""


def beside_logins(service_url: str, run: Callable[[], Result]) -> Callable[[], Result]:
    """The measurement, taken while SIGNING_IN_CLIENTS clients sign in back to back (each
    waits for its answer, so at most that many hashes are asked for at once)."""

    def measured() -> Result:
        stop = threading.Event()

        def sign_in_repeatedly() -> None:
            with httpx.Client(base_url=service_url, timeout=60) as client:
                while not stop.is_set():
                    client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})

        clients = [threading.Thread(target=sign_in_repeatedly) for _ in range(SIGNING_IN_CLIENTS)]
        for client in clients:
            client.start()
        try:
            return run()
        finally:
            stop.set()
            for client in clients:
                client.join()

    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", default="bench.json", help="where to write the figures")
    parser.add_argument(
        "--extras",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the rate limiter's cost, two workers, unprepared statements and metrics",
    )
    args = parser.parse_args()
    if not have_wrk():
        print(WRK_HINT)
    with ExitStack() as stack:
        database_url = os.environ.get("BENCH_DATABASE_URL")
        if not database_url:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            database_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            print(
                "BENCH_DATABASE_URL is not set: benchmarking on SQLite (set it to a PostgreSQL "
                "database for the real figures)"
            )
        fixture = seed_small(database_url)
        # One signing key for the service and the reference (each would make its own otherwise).
        env = service_env(database_url, SECRET_KEY=secrets.token_urlsafe(48))
        bare = stack.enter_context(serve("scripts.bench.bare_app:app", {}))
        service = stack.enter_context(serve("app.main:app", env))
        headers = sign_in(service.url)
        load = {"seconds": args.seconds, "connections": args.connections}
        runs = {"bare FastAPI": run_load(bare, f"{bare.url}/", {}, **load)}
        for name, path in requests_for(fixture).items():
            runs[name] = run_load(service, f"{service.url}{path}", headers, **load)
        if database_url.startswith("postgresql"):
            reference = stack.enter_context(serve("scripts.bench.reference_app:app", env))
            for name, path in reference_paths(fixture).items():
                runs[name] = run_load(reference, f"{reference.url}{path}", headers, **load)
        else:
            print("The raw reference reads PostgreSQL only: no reference ratios on SQLite")
        print(
            f"{args.rounds} interleaved rounds of {args.seconds:g} s per request, "
            f"{args.connections} connections, 1 worker, rate limits off, {_engine(database_url)}"
        )
        summary = interleaved(runs, args.rounds, "bare FastAPI", REFERENCES)
        figures: dict[str, Any] = {
            "database": _engine(database_url),
            "load_generator": "wrk -t2" if have_wrk() else "python",
            "connections": args.connections,
            "rounds": args.rounds,
            "seconds": args.seconds,
            "requests": summary,
            "rss_mb_per_worker_after_load": [rss_mb(pid) for pid in service.worker_pids()],
        }
        report(
            "1 worker, ratios to bare FastAPI and to the raw reference",
            summary,
            TARGETS,
            REFERENCE_TARGETS,
        )
        print(f"RSS of the worker after load: {figures['rss_mb_per_worker_after_load'][0]:.0f} MB")
        if args.extras:
            figures |= extras(stack, service, env, fixture, headers, args, load)
    figures["load_average"] = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in figures['load_average'])}")
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


def extras(
    stack: ExitStack,
    service: Server,
    env: dict[str, str],
    fixture: Fixture,
    headers: dict[str, str],
    args: argparse.Namespace,
    load: dict[str, Any],
) -> dict[str, Any]:
    """Liveness beside sign-ins, the rate limiter with Redis vs off, two workers vs one (on the
    10-site list), unprepared statements vs prepared (PostgreSQL), and observability's cost."""
    path = requests_for(fixture)["list 10 sites"]
    figures: dict[str, Any] = {}
    live = run_load(service, f"{service.url}/health/live", {}, **load)
    summary = interleaved(
        {
            "liveness alone": live,
            f"liveness, {SIGNING_IN_CLIENTS} signing in": beside_logins(service.url, live),
        },
        args.rounds,
        "liveness alone",
    )
    report(
        f"/health/live beside {SIGNING_IN_CLIENTS} clients signing in (argon2id)",
        summary,
        {f"liveness, {SIGNING_IN_CLIENTS} signing in": LOGINS_TARGET},
    )
    figures["liveness_beside_logins"] = summary
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if redis_url:
        own = stack.enter_context(ExitStack())  # stopped when done, so no comparison starves
        limited = own.enter_context(
            serve(
                "app.main:app",
                env
                | {
                    "RATE_LIMIT_ENABLED": "true",
                    "REDIS_URL": redis_url,
                    "RATE_LIMIT_AUTHENTICATED": "100000000/minute",
                },
            )
        )
        summary = interleaved(
            {
                "limits off": run_load(service, f"{service.url}{path}", headers, **load),
                "limits on, Redis": run_load(limited, f"{limited.url}{path}", headers, **load),
            },
            args.rounds,
            "limits off",
            {"limits on, Redis": "limits off"},
        )
        report(
            "rate limiter with Redis vs off (list 10 sites; the reference: limits off)",
            summary,
            {},
            {"limits on, Redis": LIMITER_TARGET},
        )
        figures["rate_limiter"] = summary
        own.close()  # PostgreSQL's max_connections (100) does not fit every server at once
    else:
        print("\nBENCH_REDIS_URL is not set: skipping the rate limiter's cost")
    own = stack.enter_context(ExitStack())
    two = own.enter_context(serve("app.main:app", env, workers=2))
    summary = interleaved(
        {
            "1 worker": run_load(service, f"{service.url}{path}", headers, **load),
            "2 workers": run_load(two, f"{two.url}{path}", headers, **load),
        },
        args.rounds,
        "1 worker",
    )
    report("two workers vs one (list 10 sites)", summary, {})
    figures["two_workers"] = summary
    figures["rss_mb_per_worker_two_workers"] = [rss_mb(pid) for pid in two.worker_pids()]
    print(
        "RSS per worker (2 workers, after load): "
        + ", ".join(f"{mb:.0f} MB" for mb in figures["rss_mb_per_worker_two_workers"])
    )
    own.close()
    if env["DATABASE_URL"].startswith("postgresql"):
        with ExitStack() as own:
            figures["prepared_statements"] = preparation_cost(
                own, service, env, fixture, headers, args, load
            )
    with ExitStack() as own:
        figures["observability"] = observability_cost(own, env, fixture, headers, args, load)
    return figures


def preparation_cost(
    stack: ExitStack,
    service: Server,
    env: dict[str, str],
    fixture: Fixture,
    headers: dict[str, str],
    args: argparse.Namespace,
    load: dict[str, Any],
) -> dict[str, Any]:
    """DB_PREPARED_STATEMENTS=false (what PgBouncer < 1.21 in transaction mode needs) against the
    default, on the reads that prepare: one site, and a list of 10 (PostgreSQL only)."""
    unprepared = stack.enter_context(
        serve("app.main:app", env | {"DB_PREPARED_STATEMENTS": "false"})
    )
    figures = {}
    for name in ("get one site", "list 10 sites"):
        path = requests_for(fixture)[name]
        summary = interleaved(
            {
                "prepared": run_load(service, f"{service.url}{path}", headers, **load),
                "not prepared": run_load(unprepared, f"{unprepared.url}{path}", headers, **load),
            },
            args.rounds,
            "prepared",
        )
        report(f"DB_PREPARED_STATEMENTS=false vs the default ({name})", summary, {})
        figures[name] = summary
    return figures


def observability_cost(
    stack: ExitStack,
    env: dict[str, str],
    fixture: Fixture,
    headers: dict[str, str],
    args: argparse.Namespace,
    load: dict[str, Any],
) -> dict[str, Any]:
    """Metrics off, on, on across workers' files, and with request logs: one site, liveness."""
    urls = observability.variants(stack, env)
    targets = {name: observability.METRICS_TARGET for name in urls if name.startswith("metrics on")}
    del targets["metrics on, multiprocess, JSON request log"]  # logs are not metrics
    figures = {}
    for name, path in (
        ("get one site", requests_for(fixture)["get one site"]),
        ("/health/live", "/health/live"),
    ):
        summary = interleaved(
            observability.measurements(urls, path, headers, load), args.rounds, "metrics off"
        )
        report(f"observability's cost ({name}), ratios to metrics off", summary, targets)
        figures[name] = summary
    return figures


def _engine(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


if __name__ == "__main__":
    sys.exit(main())
