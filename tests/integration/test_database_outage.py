"""A real uvicorn on a private PostgreSQL under write and read load, while the database is
stopped and restarted, then frozen (SIGSTOP) and thawed: every request is answered (201 or 200,
or 503 `database_unavailable` with Retry-After, never a 500 and never a hang past the request
deadline), the service recovers by itself - writes through the ORM's pool and reads through the
driver pool alike - and every acknowledged write is in the database afterwards.

Needs the PostgreSQL server binaries (skipped with the reason otherwise); it never touches a
shared server."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest

from tests.conftest import migrate
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD
from tests.live_server import LiveServer, live_server
from tests.private_postgres import PrivateCluster, private_cluster, why_unavailable

pytestmark = pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))

REQUEST_TIMEOUT = 3
CLIENT_TIMEOUT = REQUEST_TIMEOUT + 7
"""Any answer slower than this fails the test: the request deadline plus scheduling slack."""
WAIT = 90
"""How long to wait for a state the test expects (an outage noticed, a recovery)."""
WRITERS = 4
READERS = 2


@dataclass
class Clients:
    """Clients calling the server back to back until stopped, recording every answer."""

    server: LiveServer
    token: str
    answers: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, http: httpx.Client) -> httpx.Response | None:
        """One call, recorded; None when it got no answer (a hang or a dropped connection)."""
        try:
            response = self.request(http)
        except httpx.HTTPError as exc:  # a hang past CLIENT_TIMEOUT, or a dropped connection
            with self.lock:
                self.failures.append(f"{type(exc).__name__}")
            return None
        code = response.json().get("code") if response.status_code >= 400 else None
        with self.lock:
            self.answers.append((response.status_code, code, response.headers.get("retry-after")))
        return response

    def request(self, http: httpx.Client) -> httpx.Response:
        raise NotImplementedError

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(
            base_url=self.server.url, headers=headers, timeout=CLIENT_TIMEOUT
        ) as http:
            while not self.stop.is_set():
                self.call(http)

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for answer in self.answers if answer[0] == status)


@dataclass
class Load(Clients):
    """Writers creating organizations with unique names; what was acknowledged is kept."""

    acknowledged: set[str] = field(default_factory=set)
    names: Iterator[int] = field(default_factory=itertools.count)

    def request(self, http: httpx.Client) -> httpx.Response:
        with self.lock:
            name = f"load-{next(self.names)}"
        response = http.post("/api/v1/organizations", json={"name": name})
        if response.status_code == 201:
            with self.lock:
                self.acknowledged.add(name)
        return response


@dataclass
class Reads(Clients):
    """Readers listing organizations (read-only requests: the driver pool)."""

    def request(self, http: httpx.Client) -> httpx.Response:
        return http.get("/api/v1/organizations", params={"per_page": 5})


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        time.sleep(0.1)


def ready(server: LiveServer) -> int:
    return httpx.get(f"{server.url}/health/ready", timeout=CLIENT_TIMEOUT).status_code


def outage_and_recovery(
    load: Load,
    reads: Reads,
    server: LiveServer,
    cut: Callable[[], None],
    heal: Callable[[], None],
) -> None:
    """Cut the database under load, see 503s, heal it, see successes again."""
    before = load.count(503)
    cut()
    wait_for("503 answers during the outage", lambda: load.count(503) > before + WRITERS)
    health = httpx.get(f"{server.url}/health/ready", timeout=CLIENT_TIMEOUT)
    assert health.status_code == 503
    database = next(check for check in health.json()["checks"] if check["name"] == "database")
    assert database["status"] == "fail"
    assert database["detail"] in {"unreachable", f"timed out after {REQUEST_TIMEOUT / 2:g} s"}
    created, read = load.count(201), reads.count(200)
    heal()
    wait_for("readiness after the outage", lambda: ready(server) == 200)
    wait_for("writes after the outage", lambda: load.count(201) > created + WRITERS)
    wait_for("reads after the outage", lambda: reads.count(200) > read + READERS)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as started:
        started.create_database("app")
        migrate(started.url("app"))
        yield started


def test_writes_survive_a_restart_and_a_freeze(cluster: PrivateCluster) -> None:
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": "outage-test-secret-key-" + "0123456789" * 4,
        "DATABASE_URL": cluster.url("app"),
        "FIRST_SUPERUSER_EMAIL": SUPERADMIN_EMAIL,
        "FIRST_SUPERUSER_PASSWORD": SUPERADMIN_PASSWORD,
        "RATE_LIMIT_ENABLED": "false",
        "DB_CONNECT_TIMEOUT_SECONDS": "2",
        "DB_POOL_TIMEOUT_SECONDS": "2",
        "DB_STATEMENT_TIMEOUT_SECONDS": "2",
        "REQUEST_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT),
    }
    with live_server(env) as server:
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD},
            timeout=CLIENT_TIMEOUT,
        )
        token = login.json()["data"]["access_token"]
        load, reads = Load(server, token), Reads(server, token)
        workers = [threading.Thread(target=load.run) for _ in range(WRITERS)]
        workers += [threading.Thread(target=reads.run) for _ in range(READERS)]
        for worker in workers:
            worker.start()
        try:
            wait_for("writes before any outage", lambda: load.count(201) > WRITERS)
            wait_for("reads before any outage", lambda: reads.count(200) > READERS)
            outage_and_recovery(load, reads, server, cluster.stop, cluster.start)
            outage_and_recovery(load, reads, server, cluster.freeze, cluster.thaw)
        finally:
            load.stop.set()
            reads.stop.set()
            cluster.thaw()
            for worker in workers:
                worker.join(timeout=CLIENT_TIMEOUT * 2)
        log = server.log()

    assert not load.failures, load.failures
    assert not reads.failures, reads.failures
    statuses = {status for status, _, _ in load.answers}
    assert statuses <= {201, 503}, (statuses, log[-3000:])
    assert {status for status, _, _ in reads.answers} <= {200, 503}, log[-3000:]
    assert reads.count(503) > 0, "the reads saw the outages"
    for status, code, retry_after in load.answers + reads.answers:
        if status == 503:
            assert code == "database_unavailable"
            assert retry_after is not None and int(retry_after) >= 1
    assert "Traceback" not in log, log[-3000:]

    url = cluster.url("app").replace("+psycopg", "")
    with psycopg.connect(url, connect_timeout=5) as connection:
        stored = {row[0] for row in connection.execute("SELECT name FROM organizations")}
    assert load.acknowledged <= stored, sorted(load.acknowledged - stored)
    assert len(load.acknowledged) > 3 * WRITERS
