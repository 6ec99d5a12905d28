"""Where a read's CPU goes: one service worker under wrk load, sampled by py-spy, summarized.

    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m scripts.bench.profile \\
        --request "get one site" --seconds 20

Needs py-spy (`pip install py-spy`; not in the locks: a local tool) and wrk. Prints the share of
samples by package (inclusive: a sample counts for every package on its stack) and the frames
with the most samples of their own (self time), and writes py-spy's collapsed stacks to --out
for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from scripts.bench.load import measure
from scripts.bench.run import requests_for, sign_in
from scripts.bench.seed import seed_small
from scripts.bench.servers import serve, service_env

PACKAGES = (
    "uvicorn",
    "starlette",
    "fastapi",
    "pydantic",
    "pydantic_core",
    "sqlalchemy",
    "psycopg",
    "jose",
    "limits",
    "redis",
    "asyncio",
    "app",
    "handlers",
    "generated",
)


def package_of(frame: str) -> str | None:
    """The package a collapsed frame (`function (path:line)`) belongs to."""
    match = re.search(r"\((.*?):\d+\)", frame)
    path = match.group(1) if match else frame
    for package in PACKAGES:
        if f"/{package}/" in path or path.startswith(f"{package}/"):
            return package
    return None


def summarize(collapsed: str, top: int) -> str:
    """Inclusive shares by package and the top self-time frames of py-spy's raw output."""
    total = 0
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for package in {package_of(frame) for frame in frames} - {None}:
            inclusive[str(package)] += count
        own[re.sub(r":\d+\)", ")", frames[-1])] += count
    lines = [f"{total} samples", "by package (inclusive):"]
    lines += [f"  {name:14} {n / total:6.1%}" for name, n in inclusive.most_common()]
    lines.append(f"top {top} frames by own samples:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """The command line docs/performance.md documents."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--request", default="get one site", help="a request of make bench")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default="profile.collapsed", help="py-spy's collapsed stacks")
    return parser


def main() -> int:
    command = parser()
    args = command.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        command.error("py-spy is not installed: pip install py-spy")
    with ExitStack() as stack:
        database_url = os.environ.get("BENCH_DATABASE_URL")
        if not database_url:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            database_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        fixture = seed_small(database_url)
        service = stack.enter_context(serve("app.main:app", service_env(database_url)))
        headers = sign_in(service.url)
        url = f"{service.url}{requests_for(fixture)[args.request]}"
        measure(url, headers, seconds=2, connections=args.connections)  # warm up
        load = threading.Thread(
            target=measure,
            args=(url, headers),
            kwargs={"seconds": args.seconds + 2, "connections": args.connections},
        )
        load.start()
        subprocess.run(  # noqa: S603 - py-spy with our own arguments
            [
                *(py_spy, "record", "--pid", str(service.pid)),
                *("--duration", f"{args.seconds:.0f}", "--rate", "250", "--format", "raw"),
                *("--output", args.out, "--nonblocking"),
            ],
            check=True,
            capture_output=True,
        )
        load.join()
    print(f"{args.request}, {args.seconds:g} s under wrk -c{args.connections}, {database_url[:10]}")
    print(summarize(Path(args.out).read_text(), args.top))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
