"""A real uvicorn started while its PostgreSQL (a private cluster) is down, with
FIRST_SUPERUSER_* set: it keeps running, live and unready (readiness 503 naming the database and
the start-up tasks), and once the database is started it becomes ready by itself and the first
superadmin exists. Before, the lifespan raised: `Application startup failed. Exiting.`

Needs the PostgreSQL server binaries (skipped with the reason otherwise)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import migrate
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD
from tests.live_server import live_server
from tests.private_postgres import private_cluster, why_unavailable

pytestmark = pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))

WAIT = 90
"""How long to wait for a state the test expects."""


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT} s: {what}"
        time.sleep(0.2)


def test_an_instance_started_without_its_database_waits_and_becomes_ready() -> None:
    with private_cluster() as cluster:
        cluster.create_database("app")
        migrate(cluster.url("app"))
        cluster.stop()
        env = {
            "APP_ENV": "test",
            "SECRET_KEY": "startup-test-secret-key-" + "0123456789" * 4,
            "DATABASE_URL": cluster.url("app"),
            "FIRST_SUPERUSER_EMAIL": SUPERADMIN_EMAIL,
            "FIRST_SUPERUSER_PASSWORD": SUPERADMIN_PASSWORD,
            "DB_CONNECT_TIMEOUT_SECONDS": "2",
            "RATE_LIMIT_ENABLED": "false",
        }
        with live_server(env) as server:  # live: the process did not exit
            ready = httpx.get(f"{server.url}/health/ready", timeout=30)
            assert ready.status_code == 503
            checks = {check["name"]: check["status"] for check in ready.json()["checks"]}
            assert checks["database"] == checks["startup"] == "fail"
            wait_for("a retry", lambda: "attempt 2" in server.log())
            assert httpx.get(f"{server.url}/health/live", timeout=30).status_code == 200

            cluster.start()
            wait_for(
                "readiness",
                lambda: httpx.get(f"{server.url}/health/ready", timeout=30).status_code == 200,
            )
            login = httpx.post(
                f"{server.url}/api/v1/auth/login",
                json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD},
                timeout=30,
            )
            assert login.status_code == 200, login.text
            assert "Application startup failed" not in server.log()
