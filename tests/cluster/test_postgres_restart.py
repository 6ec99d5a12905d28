"""PostgreSQL restarts behind the cluster's PgBouncer (the suite's private server, never a shared
one): while it is down every instance, and HAProxy, answer 503 `database_unavailable` with
Retry-After (no 500, no proxy error page); once it is back the cluster recovers by itself."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from scripts.cluster.supervisor import Cluster
from tests.cluster.api import TARGETS, Api, Target
from tests.private_postgres import PrivateCluster

WAIT = 120.0
"""A bound on waiting for the outage to show and for the recovery, not a timed assertion."""


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {WAIT} s"
        time.sleep(0.5)


@pytest.mark.timeout(600)
def test_postgres_restart_answers_503_then_recovers(
    cluster: Cluster, api: Api, postgres: PrivateCluster
) -> None:
    session = api.new_session("outage")
    organization = api.new_organization(session)
    sites = f"/api/v1/organizations/{organization}/sites"

    def read(target: Target) -> httpx.Response:
        return api.call("GET", sites, target=target, session=session)

    postgres.stop()
    try:
        # Until every instance has noticed (pooled connections fail on their next use).
        wait_for("503 everywhere", lambda: all(read(t).status_code == 503 for t in TARGETS))
        down = {"name": "Down", "timezone": "UTC"}
        for target in TARGETS:
            write = api.call("POST", sites, target=target, session=session, json=down)
            for answer in (read(target), write):
                assert answer.status_code == 503, (target, answer.text)
                assert answer.json()["code"] == "database_unavailable"
                assert int(answer.headers["Retry-After"]) > 0
    finally:
        postgres.start()

    wait_for("200 everywhere", lambda: all(read(t).status_code == 200 for t in TARGETS))
    for number in cluster.instances:
        cluster.wait_in_rotation(number)
    created = api.call(
        "POST", sites, session=session, json={"name": "After the restart", "timezone": "UTC"}
    )
    assert created.status_code == 201, created.text
