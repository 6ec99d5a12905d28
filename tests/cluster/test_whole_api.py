"""The whole API through the cluster (HAProxy, 3 instances, PgBouncer 1.18 in transaction mode
with prepared statements off): schemathesis' CLI with every check, as in `make contract`, on
HAProxy's URL, in a bounded run. It runs last: it may sign the superadmin out or change it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from scripts.cluster.supervisor import Cluster
from scripts.contract import CONFIG
from tests.cluster.api import Api
from tests.cluster.conftest import MEASUREMENTS, PER_USER_REQUESTS

MAX_TIME = 180
"""Seconds of schemathesis at most (fuzzing stops there; the run is bounded)."""
RATE = (PER_USER_REQUESTS - 100) * 60 // MAX_TIME
"""Requests a minute: the superadmin's hourly budget, less what the other checks spent of it,
over the run, so the run reaches the handlers, not 429."""


@pytest.mark.timeout(MAX_TIME + 300)
def test_schemathesis_through_the_cluster_finds_nothing(cluster: Cluster, api: Api) -> None:
    session = api.sign_in(
        cluster.layout.credentials.admin_email, cluster.layout.credentials.admin_password
    )
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",  # the declared departures `make contract` reads too, and nothing else
        str(CONFIG),
        "run",
        f"{cluster.layout.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {session.access_token}",
        "--seed",
        "20261207",
        "--max-examples",
        "10",
        "--max-time",
        str(MAX_TIME),
        "--rate-limit",
        f"{RATE}/m",
        "--no-color",
    ]
    with tempfile.TemporaryDirectory(prefix="plain-st-run-") as empty:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
        run = subprocess.run(  # noqa: S603 - the venv's schemathesis
            command, cwd=empty, env=environment, capture_output=True, text=True, check=False
        )
    cases = [line.strip() for line in run.stdout.splitlines() if "generated," in line]
    MEASUREMENTS.append(f"schemathesis through the cluster: {cases}")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
