"""`make contract` (second half): schemathesis' CLI against the real server, as client teams run it.

Starts uvicorn on a free loopback port against CONTRACT_DATABASE_URL (default: a new SQLite file;
a PostgreSQL database given here is wiped), migrated from scratch; signs in as a superadmin it
creates; runs a plain `st run` on each version's served spec (v1, then v2) with every check,
every phase (examples, coverage, fuzzing, stateful), a fixed seed and a bounded number of
examples; writes a JUnit report per version to reports/; stops the server. The exit status is
schemathesis' worst: any finding in either version fails.

The run is plain on purpose, as a client team would start it: from an empty temporary directory
(so no schemathesis.toml is discovered), with no hooks and no configuration beyond the command
line, which names one file: tests/contract/schemathesis.toml, the declared departures from
schemathesis' defaults (positive_data_acceptance expecting 412 for an invented If-Match, and 422
for a generated Idempotency-Key repeated with another body); every other check keeps its
defaults.

    python scripts/contract.py                       # CI-sized run, a few minutes at most
    python scripts/contract.py --max-examples 500 --max-time 1800   # make contract-deep
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.live_api import BIN, ROOT, login, serving

REPORTS = ROOT / "reports"
CONFIG = ROOT / "tests" / "contract" / "schemathesis.toml"
"""The declared departures from schemathesis' defaults (the expected statuses of
positive_data_acceptance for If-Match and Idempotency-Key), with their reasons."""


VERSIONS = (1, 2)
"""Each served version, run against its own document."""


def run_schemathesis(base: str, token: str, args: argparse.Namespace, version: int = 1) -> int:
    """`st run` on one version's document with every check and phase; its exit status."""
    suffix = "" if version == 1 else f"-v{version}"
    command = [
        str(BIN / "st"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/api/v{version}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.max_examples),
        "--report",
        "junit",
        "--report-junit-path",
        str(REPORTS / f"contract-junit{suffix}.xml"),
        "--no-color",
    ]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    with tempfile.TemporaryDirectory(prefix="plain-st-run-") as empty:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
        return subprocess.run(command, cwd=empty, env=environment, check=False).returncode  # noqa: S603


def main() -> int:
    """Serve, test, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--max-examples", type=int, default=40)
    parser.add_argument("--max-time", type=int, default=0, help="seconds; 0 means no limit")
    args = parser.parse_args()
    database = os.environ.get("CONTRACT_DATABASE_URL")
    results = []
    for version in VERSIONS:
        # A server and a database of its own per version: one run's stateful phase may change or
        # end the superadmin the next would sign in as (its password, its sessions).
        suffix = "" if version == 1 else f"-v{version}"
        with serving(database, log=REPORTS / f"contract-server{suffix}.log") as api:
            results.append(run_schemathesis(api.base, login(api), args, version))
    return max(results)


if __name__ == "__main__":
    raise SystemExit(main())
