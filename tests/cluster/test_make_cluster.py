"""`make cluster` as the README shows it: it migrates the database it is given, prints the URL and
the superadmin, serves through HAProxy, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import httpx
import pytest

from scripts.cluster.layout import INSTANCES, ROOT, Ports
from scripts.cluster.parts import accepts
from tests.private_postgres import PrivateCluster

START_WAIT = 300.0
"""A bound on waiting for the cluster to come up, not a timed assertion."""


@pytest.mark.timeout(600)
def test_make_cluster_serves_until_ctrl_c(postgres: PrivateCluster) -> None:
    postgres.create_database("make_cluster")
    output = ROOT / "reports" / "make-cluster.log"
    output.parent.mkdir(exist_ok=True)
    environment = os.environ | {"CLUSTER_DATABASE_URL": postgres.url("make_cluster")}
    with open(output, "wb") as log:
        make = subprocess.Popen(
            ["make", "cluster"],  # noqa: S607
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_WAIT
        while "serving on" not in (text := output.read_text(errors="replace")):
            assert make.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(0.5)
        url = re.search(r"serving on (http://\S+)", text)
        admin = re.search(r"superadmin:\s+(\S+) / (\S+)", text)
        assert url is not None and admin is not None, text
        assert url[1] == f"http://127.0.0.1:{Ports().haproxy}"
        signed_in = httpx.post(
            f"{url[1]}/api/v1/auth/login",
            json={"email": admin[1], "password": admin[2]},
            timeout=60,
        )
        assert signed_in.status_code == 200, signed_in.text
    finally:
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        status = make.wait(timeout=120)
    # make waits for the supervisor to finish, then ends by the signal itself, as in a terminal.
    assert status in (0, -signal.SIGINT), output.read_text(errors="replace")
    assert "stopping the cluster" in output.read_text(errors="replace")
    ports = Ports()
    listening = [ports.haproxy, ports.pgbouncer, ports.redis]
    listening += [ports.instance(n) for n in range(1, INSTANCES + 1)]
    assert [port for port in listening if accepts(port)] == []
