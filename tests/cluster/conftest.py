"""The live cluster for `make cluster-test`: scripts/cluster's supervisor on a private PostgreSQL
(tests/private_postgres.py; this suite restarts it), with rate limits small enough to reach.
Every test here is marked `cluster` and left out of `make test`."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.cluster.layout import Layout, Ports
from scripts.cluster.supervisor import Cluster
from tests.cluster.api import Api
from tests.private_postgres import PrivateCluster, private_cluster, why_unavailable

HERE = Path(__file__).parent
PORTS = Ports(int(os.environ.get("CLUSTER_TEST_PORT_BASE", "24200")))
"""The suite's cluster: off `make cluster`'s default ports (24000), which a test runs as written;
CLUSTER_TEST_PORT_BASE moves it (and its private PostgreSQL, base+532) so that two runs on one
machine do not collide."""
PER_ACCOUNT_SIGN_INS = 5
"""RATE_LIMIT_LOGIN_PER_EMAIL of the cluster (the default count)."""
PER_USER_REQUESTS = 1000
"""RATE_LIMIT_AUTHENTICATED of the cluster: the load clients and schemathesis stay below it, the
limit check goes past it."""
WINDOW = "hour"
"""Both limits per hour, not per minute: a check must spend a budget within one window, and on a
loaded machine 1000 requests can take longer than a minute (the answer would then depend on
timing)."""
LIMITS = {
    "RATE_LIMIT_LOGIN_PER_EMAIL": f"{PER_ACCOUNT_SIGN_INS}/{WINDOW}",
    "RATE_LIMIT_AUTHENTICATED": f"{PER_USER_REQUESTS}/{WINDOW}",
    # Every test client is 127.0.0.1: per-IP limits would only measure the suite itself.
    "RATE_LIMIT_LOGIN_PER_IP": "100000/minute",
    "RATE_LIMIT_ANONYMOUS": "100000/minute",
}


MEASUREMENTS: list[str] = []
"""What the checks measured (never asserted on: the machine is noisy), printed at the end."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASUREMENTS:
        terminalreporter.section("cluster measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        terminalreporter.write_line(f"load average at the end: {load}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivateCluster]:
    """A private PostgreSQL on the cluster's port range, which a test may stop and start."""
    reason = why_unavailable()
    if reason is not None:
        pytest.fail(f"the cluster tests need a private PostgreSQL: {reason}")
    with private_cluster(port=PORTS.postgres) as server:
        server.create_database("orgsites")
        yield server


@pytest.fixture(scope="session")
def cluster(postgres: PrivateCluster) -> Iterator[Cluster]:
    """The cluster, started once for the session and stopped at its end."""
    with tempfile.TemporaryDirectory(prefix="cluster-test-") as run_dir:
        layout = Layout(
            database_url=postgres.url("orgsites"),
            run_dir=Path(run_dir),
            ports=PORTS,
            extra_env=LIMITS,
        )
        running = Cluster(layout)
        try:
            started = time.monotonic()
            running.start()
            MEASUREMENTS.append(f"cluster started in {time.monotonic() - started:.0f} s")
            yield running
        except BaseException:
            for process in running.processes():
                print(f"---- {process.name} ----\n{process.log_tail()}")
            raise
        finally:
            running.stop()


@pytest.fixture(scope="session")
def api(cluster: Cluster) -> Api:
    """Calls to the cluster, through HAProxy or one instance."""
    return Api(cluster.layout)
