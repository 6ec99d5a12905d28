"""/metrics of a real uvicorn with two workers (PROMETHEUS_MULTIPROC_DIR) across SIGKILLs: no
counter, pool wait or histogram bucket a scrape reported ever goes down afterwards, when the
worker that answered the scrape is killed right after it, or when every worker is."""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.files import image_cmd
from tests.deploy.server import environment, for_loopback, migrated_sqlite, serving
from tests.live_server import free_port
from tests.metrics_scrape import burst_then_scrape, decreases, get, parse
from tests.worker_processes import serving_worker, workers

ROUNDS = 3
SCRAPES_AFTER = 6
REPLACED_TIMEOUT = 60.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + REPLACED_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.parametrize("kill", ["the answering worker", "every worker"])
def test_no_counter_goes_down_when_workers_are_killed_right_after_a_scrape(
    tmp_path: Path, kill: str
) -> None:
    port = free_port()
    env = environment(
        migrated_sqlite(tmp_path),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    with serving(for_loopback(image_cmd(), port), env, tmp_path / "server.log") as server:
        wait_for(lambda: len(workers(server.pid)) == 2, "two workers")
        for _ in range(ROUNDS):
            reported, connection = burst_then_scrape(port)
            answering = serving_worker(server.pid, port, connection.sock.getsockname()[1])
            connection.close()
            victims = {answering} if kill == "the answering worker" else workers(server.pid)
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            wait_for(
                lambda victims=victims: (
                    len(workers(server.pid)) == 2 and not victims & workers(server.pid)
                ),
                "uvicorn replaces the killed workers",
            )
            for _ in range(SCRAPES_AFTER):  # served by either worker
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                after = parse(get(connection, "/metrics").decode())
                connection.close()
                assert decreases(reported, after) == {}
                reported = after


def test_no_counter_goes_down_when_the_whole_instance_is_killed_and_restarted(
    tmp_path: Path,
) -> None:
    """The container restarts on the same volume (the pod's emptyDir): the new server's scrapes
    start from the killed one's totals."""
    env = environment(
        migrated_sqlite(tmp_path),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    port = free_port()
    with serving(for_loopback(image_cmd(), port), env, tmp_path / "first.log") as server:
        wait_for(lambda: len(workers(server.pid)) == 2, "two workers")
        reported, connection = burst_then_scrape(port)
        everyone = [server.pid, *workers(server.pid)]
        for pid in everyone:
            os.kill(pid, signal.SIGKILL)
        connection.close()
        server.wait()
    port = free_port()
    with serving(for_loopback(image_cmd(), port), env, tmp_path / "second.log"):
        for _ in range(SCRAPES_AFTER):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            after = parse(get(connection, "/metrics").decode())
            connection.close()
            assert decreases(reported, after) == {}
            reported = after
