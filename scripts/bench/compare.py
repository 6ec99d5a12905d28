"""This checkout's service against another checkout's (the code before a change), in
interleaved rounds on the same database, so both see the same machine load:

    git worktree add ../base main
    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m scripts.bench.compare ../base

Both run under this checkout's interpreter and packages. Prints, per request, each side's req/s,
p50 and p99 (medians over the rounds) and this checkout's throughput over the other's, the
median of the per-round ratios; then each side's CPU time per request (the server process's
user + system time over the requests it answered, median over the rounds), which other load on
the machine disturbs much less than throughput. `--small-pool` adds the same reads with a pool of
2 connections, where requests wait for a connection (the pool's waiting path).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scripts.bench.load import WRK_HINT, have_wrk
from scripts.bench.run import interleaved, report, requests_for, sign_in
from scripts.bench.seed import seed_small
from scripts.bench.servers import Measured, serve, service_env

SMALL_POOL = {"DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT_SECONDS": "30"}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--small-pool", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", default="bench-compare.json", help="where to write the figures")
    parser.add_argument(
        "--v2", action="store_true", help="also compare v2's reads (a base that serves v2)"
    )
    args = parser.parse_args()
    base = args.base.resolve()
    if not (base / "app" / "main.py").is_file():
        parser.error(f"{base} is not a checkout of this service")
    if not have_wrk():
        print(WRK_HINT)
    load = {"seconds": args.seconds, "connections": args.connections}
    figures: dict[str, Any] = {"base": str(base), "rounds": args.rounds, **load}
    with ExitStack() as stack:
        database_url = os.environ.get("BENCH_DATABASE_URL")
        if not database_url:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            database_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            print("BENCH_DATABASE_URL is not set: comparing on SQLite")
        fixture = seed_small(database_url)
        # One signing key for both (each checkout would make its own development key).
        env = service_env(database_url, SECRET_KEY=secrets.token_urlsafe(48))
        variants = [("", env)]
        if args.small_pool:
            variants.append((", pool of 2", env | SMALL_POOL))
        for suffix, settings in variants:
            with ExitStack() as own:
                new = own.enter_context(serve("app.main:app", settings))
                old = own.enter_context(serve("app.main:app", settings, root=base))
                headers = sign_in(new.url)
                for name, path in requests_for(fixture).items():
                    if suffix and name == "/health/live":
                        continue  # no database, no pool
                    if name.startswith("v2 ") and not args.v2:
                        continue  # a base before v2 does not serve it
                    title = f"{name}{suffix}"
                    print(f"\n{title}: {args.rounds} interleaved rounds of {args.seconds:g} s")
                    runs = {
                        "base": Measured(old, f"{old.url}{path}", headers, **load),
                        "this checkout": Measured(new, f"{new.url}{path}", headers, **load),
                    }
                    summary = interleaved(dict(runs), args.rounds, "base")
                    report(f"{title}: this checkout vs base", summary, {})
                    for side, run in runs.items():
                        summary[side]["cpu_us_per_request"] = statistics.median(run.cpu_us)
                        summary[side]["cpu_us_per_round"] = run.cpu_us
                    base_cpu, new_cpu = (summary[side]["cpu_us_per_request"] for side in runs)
                    print(
                        f"CPU per request: base {base_cpu:.0f} us, this checkout {new_cpu:.0f} us"
                        f" ({new_cpu / base_cpu:.3f})"
                    )
                    figures[title] = summary
    figures["load_average"] = os.getloadavg()
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in figures['load_average'])}")
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
