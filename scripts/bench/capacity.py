"""`make bench-capacity`: throughput of 1, 2 and 3 instances (2 uvicorn workers each) behind
HAProxy (round robin, health checks on /health/ready), all through one PgBouncer in transaction
mode, on this machine's loopback; the CPU each part spent per request; the Redis commands one
request costs with the rate limits in a private redis-server. The figures of docs/capacity.md.

Interleaved rounds (1, 2, 3 instances in turn each round), medians over the rounds, the load
average at each measurement. Needs PostgreSQL (BENCH_DATABASE_URL), pgbouncer, haproxy, wrk and
redis-server; listens on CAPACITY_PORT and the 20 ports after it (default 25000).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from scripts.bench.load import wrk
from scripts.bench.run import sign_in
from scripts.bench.seed import libpq_dsn, seed_small
from scripts.bench.servers import Server, serve, service_env
from tests.pgbouncer import pgbouncer

WORKERS = 2
INSTANCES = (1, 2, 3)
TICKS = os.sysconf("SC_CLK_TCK")
POOL = {"DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2", "DB_PREPARED_STATEMENTS": "false"}
"""Small pools per worker (PgBouncer multiplexes them onto its own few server connections);
no server-side preparation through PgBouncer 1.18 in transaction mode."""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children so far."""
    total = 0
    for pid in pids:
        for task in [pid, *_children(pid)]:
            try:
                fields = Path(f"/proc/{task}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def haproxy_config(port: int, backends: list[int]) -> str:
    servers = "\n".join(
        f"  server app{i} 127.0.0.1:{backend} check inter 2s" for i, backend in enumerate(backends)
    )
    return f"""global
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
frontend api
  bind 127.0.0.1:{port}
  default_backend apps
backend apps
  balance roundrobin
  option httpchk GET /health/ready
  http-reuse safe
{servers}
"""


@contextmanager
def haproxy(port: int, backends: list[int]) -> Iterator[subprocess.Popen[bytes]]:
    """HAProxy on ``port`` spreading over ``backends``, until the block ends."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "haproxy.cfg"
        config.write_text(haproxy_config(port, backends))
        process = subprocess.Popen([binary, "-f", str(config)])  # noqa: S603
        try:
            deadline = time.monotonic() + 30
            while True:  # every backend up (checks pass) before measuring
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).is_success:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("haproxy did not answer")
                time.sleep(0.2)
            time.sleep(2 * len(backends))  # every server's check has passed
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def postgres_backends(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (PgBouncer's server connections)
    other than this query's own."""
    with psycopg.connect(libpq_dsn(url)) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


def measure(
    lb_port: int,
    path: str,
    headers: dict[str, str],
    servers: list[Server],
    others: dict[str, list[int]],
    args: Any,
) -> dict[str, Any]:
    """One wrk run through HAProxy: throughput, latency and CPU per request by part (``others``:
    the processes of HAProxy, PgBouncer and the PostgreSQL backends, by name)."""
    pids = [server.pid for server in servers]
    others_before = {name: cpu_seconds(found) for name, found in others.items()}
    app_before = cpu_seconds(pids)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, total_before = machine_busy()
    result = wrk(
        f"http://127.0.0.1:{lb_port}{path}",
        headers,
        seconds=args.seconds,
        connections=args.connections,
    )
    busy_after, total_after = machine_busy()
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    requests = result.rps * args.seconds
    app_cpu = cpu_seconds(pids) - app_before
    parts = {
        f"{name}_cpu_ms_per_request": 1000 * (cpu_seconds(found) - others_before[name]) / requests
        for name, found in others.items()
    }
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    return {
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors,
        "app_cpu_ms_per_request": 1000 * app_cpu / requests,
        "wrk_cpu_ms_per_request": 1000 * wrk_cpu / requests,
        **parts,
        "machine_busy_share": (busy_after - busy_before) / (total_after - total_before),
        "load_average": os.getloadavg()[0],
    }


def redis_commands_per_request(
    url: str, base_port: int, paths: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Redis commands per request of each path and of a sign-in, with the rate limits (never
    reached) in a private redis-server."""
    redis_port = base_port + 20
    command = [shutil.which("redis-server") or "redis-server", "--port", str(redis_port)]
    command += ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        time.sleep(1)
        unlimited = "1000000/minute"
        env = service_env(
            url,
            **POOL,
            RATE_LIMIT_ENABLED="true",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            RATE_LIMIT_AUTHENTICATED=unlimited,
            RATE_LIMIT_ANONYMOUS=unlimited,
            RATE_LIMIT_LOGIN_PER_IP=unlimited,
            RATE_LIMIT_LOGIN_PER_EMAIL=unlimited,
        )
        with serve("app.main:app", env, port=base_port + 19) as server:
            headers = sign_in(server.url)
            found = {
                name: _commands(
                    redis_port,
                    lambda path=path: httpx.get(
                        server.url + path, headers=headers, timeout=30
                    ).raise_for_status(),
                )
                for name, path in paths.items()
            }
            found["sign in"] = _commands(redis_port, lambda: sign_in(server.url))
            return found
    finally:
        redis.terminate()
        redis.wait(timeout=30)


def _commands(port: int, call: Any, count: int = 50) -> dict[str, float]:
    """Per request: Redis commands by name (INFO commandstats; a Lua script's own commands are
    counted too, under their names, beside the EVALSHA that ran them: the round trips are the
    EVALSHA/EVAL calls and the commands sent outside scripts)."""

    def calls() -> dict[str, int]:
        out = subprocess.run(  # noqa: S603
            ["redis-cli", "-p", str(port), "INFO", "commandstats"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = {}
        for line in out.splitlines():
            if line.startswith("cmdstat_"):
                name, stats = line[len("cmdstat_") :].split(":", 1)
                found[name] = int(stats.split(",")[0].split("=")[1])
        return found

    call()  # warm: scripts loaded, connections open
    before = calls()
    for _ in range(count):
        call()
    after = calls()
    per_request = {
        name: (number - before.get(name, 0)) / count
        for name, number in after.items()
        if name != "info" and number != before.get(name, 0)
    }
    return per_request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", default="capacity.json")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("make bench-capacity needs BENCH_DATABASE_URL (PostgreSQL)", file=sys.stderr)
        return 2
    base = int(os.environ.get("CAPACITY_PORT", "25000"))
    fixture = seed_small(url)
    sites = f"/api/v1/organizations/{fixture.org_id}/sites"
    paths = {"get one site": f"{sites}/{fixture.site_id}", "list 10 sites": f"{sites}?per_page=10"}
    results: dict[str, dict[int, list[dict[str, Any]]]] = {
        name: {n: [] for n in INSTANCES} for name in paths
    }
    with ExitStack() as stack:
        bouncer = stack.enter_context(pgbouncer(url, port=base + 1))
        env = service_env(bouncer.url(), **POOL)
        servers = [
            stack.enter_context(serve("app.main:app", env, workers=WORKERS, port=base + 2 + i))
            for i in range(max(INSTANCES))
        ]
        headers = sign_in(servers[0].url)
        for round_number in range(1, args.rounds + 1):
            for n in INSTANCES:
                with haproxy(base, [base + 2 + i for i in range(n)]) as balancer:
                    for name, path in paths.items():
                        assert bouncer.process is not None  # noqa: S101 - started
                        others = {
                            "haproxy": [balancer.pid],
                            "pgbouncer": [bouncer.process.pid],
                            "postgres": postgres_backends(url),
                        }
                        found = measure(base, path, headers, servers[:n], others, args)
                        results[name][n].append(found)
                        print(
                            f"round {round_number}, {n} instance(s), {name}: "
                            f"{found['rps']:.0f}/s, app {found['app_cpu_ms_per_request']:.2f} "
                            f"ms CPU/request, machine {found['machine_busy_share']:.0%} busy, "
                            f"load {found['load_average']:.2f}",
                            flush=True,
                        )
    summary = {
        name: {
            n: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for n, runs in by_n.items()
        }
        for name, by_n in results.items()
    }
    redis = redis_commands_per_request(url, base, paths)
    print(json.dumps({"medians": summary, "redis_commands_per_request": redis}, indent=2))
    Path(args.json).write_text(
        json.dumps({"medians": summary, "rounds": results, "redis": redis}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
