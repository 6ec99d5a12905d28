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
from tests.metrics_scrape import Samples, parse

ROUNDS = 3
BURST = 30
SCRAPES_AFTER = 6
REPLACED_TIMEOUT = 60.0
MONOTONIC_SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def workers(master: int) -> set[int]:
    """The uvicorn workers (children of the server process but multiprocessing's resource
    tracker)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    found = set()
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if b"resource_tracker" not in command:
            found.add(int(pid))
    return found


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def serving_worker(master: int, server_port: int, client_port: int) -> int:
    """The worker holding the server side of the client's connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inode = fields[9]
    assert inode is not None, "the connection is not in /proc/net/tcp"
    (pid,) = [pid for pid in workers(master) if inode in socket_inodes(pid)]
    return pid


def get(connection: http.client.HTTPConnection, path: str) -> bytes:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status, body[:200])
    return body


def monotonic(samples: Samples) -> Samples:
    """The samples that must never go down: counters, histogram buckets, counts and sums."""
    return {key: amount for key, amount in samples.items() if key[0].endswith(MONOTONIC_SUFFIXES)}


def decreases(before: Samples, after: Samples) -> dict[str, tuple[float, float]]:
    """The series of ``before`` that ``after`` reports lower (or lost)."""
    return {
        f"{name}{dict(labels)}": (amount, after.get((name, labels), 0.0))
        for (name, labels), amount in monotonic(before).items()
        if after.get((name, labels), 0.0) < amount
    }


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + REPLACED_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def burst_then_scrape(port: int) -> tuple[Samples, http.client.HTTPConnection]:
    """Requests, then a scrape, on one keep-alive connection (so one worker served them all and
    has not yet flushed them): the scrape's samples and the connection, still open."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(BURST):
        get(connection, "/health/live")
    get(connection, "/health/ready")  # a database pool wait too
    samples = parse(get(connection, "/metrics").decode())
    return samples, connection


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
