"""SIGTERM during a request: the server stops accepting, finishes the request, closes the pool.

The server runs as PID 1 of a new PID namespace, as it does in a container. There uvicorn exits
0; as an ordinary process it re-raises the SIGTERM it handled once its shutdown is complete
(uvicorn/server.py, capture_signals), so its parent sees "killed by SIGTERM" instead. Where
unprivileged namespaces are not allowed, the test checks that ordinary-process behaviour.
"""

from __future__ import annotations

import http.client
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.deploy.files import image_cmd
from tests.deploy.server import (
    can_run_as_pid1,
    environment,
    for_loopback,
    migrated_sqlite,
    serving,
)
from tests.live_server import free_port

WAIT = 60.0
"""Seconds for anything to happen; generous for a busy machine."""
DRAINING = "Waiting for connections to close"


def _held_request(port: int) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT * 2)
    try:
        connection.request("GET", "/health/ready", headers={"x-test-hold": "1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _until(condition: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {condition}")


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_drains_in_flight_requests_then_closes_the_database(tmp_path: Path) -> None:
    port = free_port()
    hold = tmp_path / "hold"
    hold.mkdir()
    command = for_loopback(image_cmd(), port, module="tests.deploy.slow_app:app")
    env = environment(migrated_sqlite(tmp_path), WEB_CONCURRENCY="1", SLOW_APP_DIR=str(hold))
    log = tmp_path / "server.log"
    as_pid1 = can_run_as_pid1()
    with (
        serving(command, env, log, as_pid1=as_pid1) as server,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending = pool.submit(_held_request, port)
        _until("the held request reached the app", (hold / "arrived").exists)

        server.terminate()
        _until("new connections are refused", lambda: _refused(port))
        _until("the server waits for the request", lambda: DRAINING in log.read_text())
        assert server.poll() is None, "exited before the request in flight finished"
        assert not pending.done()

        (hold / "release").touch()
        status, body = pending.result(timeout=WAIT)
        assert status == 200, body
        assert b'"status":"pass"' in body.replace(b" ", b"")
        assert server.wait(timeout=WAIT) == (0 if as_pid1 else -signal.SIGTERM)

    output = log.read_text()
    assert ("Started server process [1]" in output) == as_pid1, output
    expected = [
        "Shutting down",
        DRAINING,
        "Waiting for application shutdown",
        "database connections closed",
        "Application shutdown complete",
        "Finished server process",
    ]
    positions = [output.find(line) for line in expected]
    assert -1 not in positions, output
    assert positions == sorted(positions), output
    assert "timeout graceful shutdown exceeded" not in output
