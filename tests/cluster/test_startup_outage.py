"""An instance started while its database is unreachable, on the live cluster: it keeps running
(FIRST_SUPERUSER_* set, which used to end it: `Application startup failed. Exiting.`), answers
/health/ready 503 so HAProxy holds it DOWN while the other instances serve, and becomes ready and
back in rotation by itself, without a restart, once the database is reachable.

Only that instance loses its database: it is restarted on a PgBouncer of its own (a sidecar in
front of the same PostgreSQL) that is not running yet, then started. Stopping the private
PostgreSQL or pausing the shared PgBouncer would cut every instance; the shared PostgreSQL on
5432 is never touched."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from scripts.cluster import parts
from scripts.cluster.layout import PGBOUNCER_DATABASE
from scripts.cluster.supervisor import Cluster
from tests.cluster.api import Api

VICTIM = 1
WAIT = 120.0
"""A bound on waiting for a state the test expects, not a timed assertion."""


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {WAIT} s"
        time.sleep(0.2)


@pytest.mark.timeout(600)
def test_an_instance_started_without_its_database_stays_unready_then_joins(
    cluster: Cluster, api: Api
) -> None:
    layout = cluster.layout
    name = f"api{VICTIM}"
    own_port = layout.ports.own_pgbouncer
    sidecar = parts.pgbouncer(layout, name=f"pgbouncer-{name}", port=own_port)
    own_url = layout.pgbouncer_url.replace(
        f":{layout.ports.pgbouncer}/{PGBOUNCER_DATABASE}", f":{own_port}/{PGBOUNCER_DATABASE}"
    )
    assert own_url != layout.pgbouncer_url
    instance_url = layout.instance_url(VICTIM)

    def ready() -> int:
        return httpx.get(f"{instance_url}/health/ready", timeout=30).status_code

    cluster.drain(VICTIM)
    assert cluster.instances[VICTIM].stop() in (0, None)
    cluster.admin.set_state(name, "ready")  # from now on its health checks alone decide
    try:
        cluster.start_instance(
            VICTIM, env={"DATABASE_URL": own_url, "DB_CONNECT_TIMEOUT_SECONDS": "2"}, wait=False
        )
        instance = cluster.instances[VICTIM]
        wait_for(
            "a start-up retry (or the exit)",
            lambda: not instance.running or "attempt 2" in instance.log_tail(200),
        )
        assert instance.running, instance.log_tail()
        assert ready() == 503
        assert httpx.get(f"{instance_url}/health/live", timeout=30).status_code == 200
        wait_for("HAProxy marking it DOWN", lambda: cluster.admin.servers()[name].status == "DOWN")
        # The others serve, through HAProxy, meanwhile.
        for _ in range(5):
            assert api.call("GET", "/health/ready").status_code == 200
        assert "Application startup failed" not in instance.log_tail(200)

        pid = instance.pid
        sidecar.start()
        wait_for("readiness", lambda: ready() == 200)
        cluster.wait_in_rotation(VICTIM)
        assert instance.running
        assert instance.pid == pid  # ready by itself, not restarted
    finally:
        # Back on the cluster's PgBouncer, as the other checks expect.
        cluster.restart_instance(VICTIM)
        sidecar.stop()
