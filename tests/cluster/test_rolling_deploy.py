"""A rolling deploy under load: each instance in turn is drained through HAProxy, gets SIGTERM,
finishes what it has, and comes back; the clients (reads, and creates with Idempotency-Keys)
see no failure, and every acknowledged create is stored exactly once."""

from __future__ import annotations

import pytest

from scripts.cluster.supervisor import Cluster
from tests.cluster.api import Api
from tests.cluster.conftest import MEASUREMENTS
from tests.cluster.load import Load, assert_stored_exactly_once

CLIENTS = 6
BETWEEN_STEPS = 30
"""Answers the clients get between two restarts (progress, so the load spans every step)."""


@pytest.mark.timeout(900)
def test_rolling_restart_under_load_fails_nothing(cluster: Cluster, api: Api) -> None:
    with Load(api, CLIENTS) as load:
        load.wait_for_requests(BETWEEN_STEPS)
        for number in cluster.instances:
            cluster.restart_instance(number)
            load.wait_for_requests(BETWEEN_STEPS)
    MEASUREMENTS.append(
        f"rolling deploy: {load.answered} answers, {len(load.failures)} failed, "
        f"{sum(len(c.acknowledged) for c in load.clients)} creates acknowledged"
    )
    assert load.failures == []
    assert load.answered > BETWEEN_STEPS * (len(cluster.instances) + 1)
    assert_stored_exactly_once(load, cluster.layout.database_url)
