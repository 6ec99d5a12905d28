"""Issue 21's runtime question: is a bare FastAPI route faster because of FastAPI's own path or
because of the interpreter? Serves scripts/bench/bare_app.py from this environment and from
other Python environments (another FastAPI, or another interpreter) under the same uvicorn
options, in interleaved rounds, and prints each one's throughput and CPU time per request
against this environment's:

    python3 -m venv /tmp/fastapi-0.141 && /tmp/fastapi-0.141/bin/pip install 'fastapi==0.141.*' \\
        'uvicorn[standard]==<this lock's>'
    .venv/bin/python -m scripts.bench.runtimes /tmp/fastapi-0.141/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scripts.bench.run import interleaved, report
from scripts.bench.servers import Measured, serve

VERSIONS = "import sys, fastapi, starlette, uvicorn; print(sys.version.split()[0], fastapi.__version__, starlette.__version__, uvicorn.__version__)"  # noqa: E501


def describe(python: str) -> str:
    """`Python x, FastAPI y, Starlette z, uvicorn w` of an interpreter's environment."""
    found = subprocess.run(  # noqa: S603 - an interpreter the caller named
        [python, "-c", VERSIONS], capture_output=True, text=True, check=True
    ).stdout.split()
    return "Python {}, FastAPI {}, Starlette {}, uvicorn {}".format(*found)


def parser() -> argparse.ArgumentParser:
    """The command line docs/performance.md documents."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pythons", nargs="+", help="other environments' interpreters")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", default="bench-runtimes.json")
    return parser


def main() -> int:
    command = parser()
    args = command.parse_args()
    load = {"seconds": args.seconds, "connections": args.connections}
    pythons = [sys.executable, *args.pythons]
    names = []
    with ExitStack() as stack:
        runs = {}
        for number, python in enumerate(pythons):
            print(f"[{number}] {describe(python)} ({python})")
            for variant in ("app", "quiet_app"):
                server = stack.enter_context(
                    serve(f"scripts.bench.bare_app:{variant}", {}, python=python, http="httptools")
                )
                name = f"[{number}] {variant}"
                names.append(name)
                runs[name] = Measured(server, f"{server.url}/", {}, **load)
        summary = interleaved(runs, args.rounds, names[0])
    report("bare FastAPI route ([0]: this environment), ratios to [0] app", summary, {})
    figures: dict[str, Any] = {"runs": summary, "load_average": os.getloadavg(), **load}
    print(f"load average: {' '.join(f'{x:.2f}' for x in figures['load_average'])}")
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
