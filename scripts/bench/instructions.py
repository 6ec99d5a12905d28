"""Instructions per read, counted by valgrind: the service beside the raw reference, in-process.

    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m scripts.bench.instructions \\
        --request "get one site"

Throughput and CPU time on 2 shared cores move by 5-10% between rounds, more than a cut of 1-3%
is worth. An instruction count does not: callgrind counts what the process executes, whatever
else the machine does, so two versions of the code compare exactly. Each app (the service,
then scripts/bench/reference_app.py) is called as an ASGI app in one process, at 16 requests in
flight, once with a few requests and once with many; the difference over the difference in
requests is what one request executes (start-up, seeding and sign-in cancel out). It counts
user-space instructions only: not the kernel's side of a round trip (the reference makes one
more), nor uvicorn's HTTP work, which `make bench` measures. Needs valgrind (about 5 minutes on 2
cores).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import uvloop

from scripts.bench.run import REFERENCES, reference_paths, requests_for
from scripts.bench.seed import EMAIL, PASSWORD, Fixture, seed_small

IN_FLIGHT = 16
FEW, MANY = 16, 1616


async def _serve_requests(which: str, request: str, count: int, fixture: Fixture) -> None:
    """The child's work: warm up, then `count` GETs of the request at IN_FLIGHT at once."""
    import httpx

    from app.main import app as service

    async with (
        service.router.lifespan_context(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://b") as c,
    ):
        signed_in = await c.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        token = signed_in.json()["data"]["access_token"]
    if which == "service":
        app: Any = service
        path = requests_for(fixture)[request]
    else:
        from scripts.bench.reference_app import app

        path = reference_paths(fixture)[REFERENCES[request]]
    route, _, query = path.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    statuses: list[int] = []

    async def one() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 5000),
            "scheme": "http",
            "method": "GET",
            "root_path": "",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "headers": headers,
            "state": {},
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    async def in_flight(total: int) -> None:
        async def worker() -> None:
            for _ in range(total // IN_FLIGHT):
                await one()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))

    async with app.router.lifespan_context(app):
        await in_flight(400)
        await in_flight(count)
    if set(statuses) != {200}:
        raise SystemExit(f"not every answer was 200: {sorted(set(statuses))}")


def _count(which: str, request: str, count: int) -> int:
    """Instructions of one child run under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(tmp) / 'out'}",
            sys.executable,
            "-m",
            "scripts.bench.instructions",
            "--child",
            which,
            str(count),
            "--request",
            request,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{which} under valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--request", default="get one site", choices=sorted(REFERENCES))
    parser.add_argument("--child", nargs=2, metavar=("APP", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        print("BENCH_DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
        return 2
    os.environ.update(
        DATABASE_URL=database_url,
        APP_ENV="development",
        RATE_LIMIT_ENABLED="false",
        ACCESS_TOKEN_EXPIRE_MINUTES="120",  # noqa: S106 - minutes, not a secret
        LOG_LEVEL="WARNING",
    )
    if args.child:
        # uvloop, as uvicorn serves the app
        fixture = seed_small(database_url)  # before the loop: it runs one of its own
        uvloop.run(_serve_requests(args.child[0], args.request, int(args.child[1]), fixture))
        return 0
    seed_small(database_url)
    runs = [(which, count) for which in ("service", "reference") for count in (FEW, MANY)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # counts ignore sharing
        found = pool.map(lambda run: _count(run[0], args.request, run[1]), runs)
        counts = dict(zip(runs, found, strict=True))
    per_request = {}
    for which in ("service", "reference"):
        per_request[which] = (counts[which, MANY] - counts[which, FEW]) / (MANY - FEW)
        print(f"{which:10s} {per_request[which]:10.0f} instructions per request")
    ratio = per_request["reference"] / per_request["service"]
    print(f"reference / service: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
