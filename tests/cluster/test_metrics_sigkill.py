"""The operator's view across SIGKILLs on the live cluster: an instance (2 workers,
PROMETHEUS_MULTIPROC_DIR) loses one worker to kill -9 right after that worker answered a scrape,
then the whole instance is killed and restarted on the same directory; no counter, pool wait or
histogram bucket its /metrics reported ever goes down afterwards (Prometheus would read a drop as
a counter reset and graph a false spike)."""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Callable

import pytest

from scripts.cluster.supervisor import Cluster
from tests.metrics_scrape import Samples, burst_then_scrape, decreases, get, parse
from tests.worker_processes import serving_worker, workers

VICTIM = 3
SCRAPES_AFTER = 6
"""Scrapes after each kill: with 2 workers, both answer some of them."""
WAIT = 120.0
"""A bound on waiting for uvicorn or the supervisor to replace what was killed, not a timed
assertion."""


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {WAIT} s"
        time.sleep(0.1)


def assert_never_lower(reported: Samples, port: int, headers: dict[str, str]) -> None:
    """Scrape the instance SCRAPES_AFTER times on new connections: none lower than the last."""
    for _ in range(SCRAPES_AFTER):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        after = parse(get(connection, "/metrics", headers).decode())
        connection.close()
        assert decreases(reported, after) == {}
        reported = after


@pytest.mark.timeout(600)
def test_no_counter_goes_down_across_kill_9_of_a_worker_and_of_the_instance(
    cluster: Cluster,
) -> None:
    port = cluster.layout.ports.instance(VICTIM)
    token = {"Authorization": f"Bearer {cluster.layout.credentials.metrics_token}"}
    master = cluster.instances[VICTIM].pid
    wait_for("two workers", lambda: len(workers(master)) == 2)

    # A worker: the one that answered the scrape, killed right after it.
    reported, connection = burst_then_scrape(port, token)
    answering = serving_worker(master, port, connection.sock.getsockname()[1])
    connection.close()
    os.kill(answering, signal.SIGKILL)
    wait_for(
        "a replaced worker",
        lambda: len(workers(master)) == 2 and answering not in workers(master),
    )
    assert_never_lower(reported, port, token)

    # The whole instance (manager and workers at once), restarted on the same directory.
    reported, connection = burst_then_scrape(port, token)
    cluster.crash_instance(VICTIM)
    connection.close()
    cluster.start_instance(VICTIM)
    assert_never_lower(reported, port, token)
    cluster.wait_in_rotation(VICTIM)
