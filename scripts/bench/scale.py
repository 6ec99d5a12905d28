"""`make bench-scale`: list latency at 10k and 1M sites on PostgreSQL, with the query plans.

Seeds two organizations in BENCH_DATABASE_URL by bulk SQL (reused when already there), serves
the app on loopback, and times each sort, filter, search and page depth at concurrency 1 (the
median of several requests), then prints EXPLAIN ANALYZE of the queries behind each one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Connection

from app.config.settings import Settings
from app.data.database import Database
from app.data.repositories.paging import Slice
from app.data.repositories.sites import SiteRepository
from scripts.bench.seed import EMAIL, PASSWORD, Fixture, seed_bulk
from scripts.bench.servers import serve, service_env

SIZES = {"10k": 10_000, "1M": 1_000_000}
CASES: list[tuple[str, dict[str, Any]]] = [
    *[(f"page 1, sort={sort}", {"sort": sort}) for sort in ("created_at", "-created_at")],
    *[(f"page 1, sort={sort}", {"sort": sort}) for sort in ("name", "-name", "status", "-status")],
    ("page 1, status=archived", {"status": "archived"}),
    ("page 1, status=active, sort=-name", {"status": "active", "sort": "-name"}),
    ("q=berlin (0.7%)", {"q": "berlin"}),
    ("q=berlin, status=active", {"q": "berlin", "status": "active"}),
    ("page=5000", {"page": 5000}),
    ("last page", {"page": "last"}),
]
TARGETS_MS = {"page 1": 20.0, "q=": 50.0, "cursor": 20.0, "page=5000": 100.0}


def _timed(client: httpx.Client, path: str, params: dict[str, Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(timings)


def _cases(
    client: httpx.Client, path: str, fixture: Fixture
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, params in CASES:
        if params.get("page") == "last":
            params = {"page": -(-fixture.sites // 10)}
        yield name, params
    middle = -(-fixture.sites // 20)
    deep = client.get(path, params={"page": middle}).json()["meta"]["next_cursor"]
    yield "cursor from the middle", {"cursor": deep}
    near_end = client.get(path, params={"page": -(-fixture.sites // 10) - 1}).json()
    yield "cursor to the last page", {"cursor": near_end["meta"]["next_cursor"]}


Table = dict[str, dict[str, float]]
"""Median ms per case name and size."""


def measure(
    url: str, fixtures: dict[str, Fixture], repeat: int
) -> tuple[Table, dict[str, dict[str, Any]]]:
    """Median latency in ms per case and size, through the HTTP API; and each case's query
    parameters at the largest size."""
    table: Table = {}
    largest: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
        for size, fixture in fixtures.items():
            path = f"/api/v1/organizations/{fixture.org_id}/sites"
            for name, params in _cases(client, path, fixture):
                _timed(client, path, params, 2)  # warm the caches and the pool
                table.setdefault(name, {})[size] = _timed(client, path, params, repeat)
                largest[name] = params
    return table, largest


def verdict(name: str, row: dict[str, float]) -> str:
    """Whether the 1M figure meets the issue's target for this kind of request."""
    small, large = row["10k"], row["1M"]
    if name.startswith("page 1"):
        ok = large <= TARGETS_MS["page 1"] and large <= 1.5 * max(small, 1.0)
        return f"{'ok' if ok else 'MISS'} (<= 20 ms and <= 1.5x 10k)"
    for prefix, target in TARGETS_MS.items():
        if name.startswith(prefix):
            return f"{'ok' if large <= target else 'MISS'} (<= {target:.0f} ms)"
    return ""


@contextmanager
def _captured(connection: Connection) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        statements.append((statement, params))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", capture)


async def plans(
    database_url: str, fixture: Fixture, params: dict[str, Any]
) -> tuple[list[str], float]:
    """EXPLAIN ANALYZE of every statement the repository runs for one list request, and their
    summed execution time in ms (the database's share, without network and Python)."""
    database = Database(Settings(DATABASE_URL=database_url, APP_ENV="development"))
    out: list[str] = []
    sql_ms = 0.0
    try:
        async with database.session() as session:
            connection = await session.connection()
            with _captured(connection.sync_connection) as statements:  # type: ignore[arg-type]
                await SiteRepository(session).search(
                    fixture.org_id,
                    q=params.get("q"),
                    status=params.get("status"),
                    sort=params.get("sort", "created_at"),
                    window=Slice(int(params.get("page", 1)), 10, params.get("cursor")),
                )
            for statement, bound in statements:
                raw = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", bound
                )
                out.append(statement.strip())
                for (line,) in raw:
                    out.append("    " + line)
                    if line.startswith("Execution Time:"):
                        sql_ms += float(line.split()[2])
    finally:
        await database.dispose()
    return out, sql_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15, help="requests per case (median)")
    parser.add_argument("--json", default="bench-scale.json", help="where to write the figures")
    parser.add_argument(
        "--plans", action=argparse.BooleanOptionalAction, default=True, help="print the plans"
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        print("make bench-scale needs PostgreSQL: BENCH_DATABASE_URL=postgresql+psycopg://...")
        return 2
    fixtures = {
        size: seed_bulk(url, slug=f"bench-{size.lower()}", sites=n) for size, n in SIZES.items()
    }
    with serve("app.main:app", service_env(url)) as server:
        table, largest = measure(server.url, fixtures, args.repeat)
    explained = {name: asyncio.run(plans(url, fixtures["1M"], p)) for name, p in largest.items()}
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'request (per_page=10)':34} {'10k ms':>7} {'1M ms':>7} {'1M SQL':>7}  target at 1M")
    for name, row in table.items():
        row["1M SQL"] = explained[name][1]
        print(
            f"{name:34} {row['10k']:7.1f} {row['1M']:7.1f} {row['1M SQL']:7.1f}  "
            f"{verdict(name, row)}"
        )
    print("ms: median of the request over HTTP at concurrency 1; SQL: EXPLAIN ANALYZE's sum")
    figures = {"load_average": os.getloadavg(), "median_ms": table}
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.json}")
    if args.plans:
        for name, (lines, _) in explained.items():
            print(f"\n=== {name} at 1M: {largest[name]}")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
