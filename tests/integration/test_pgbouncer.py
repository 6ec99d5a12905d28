"""The service through PgBouncer in transaction mode (Debian 12's is 1.18, without protocol-level
prepared statements): a real uvicorn with two workers, creates and list reads at once.

With DB_PREPARED_STATEMENTS=false every answer is a success, and an outage of PgBouncer itself
(connections refused) answers 503 `database_unavailable` with Retry-After until it is back. With
preparation on, the same load fails: PgBouncer hands a server connection, with the statements one
client prepared on it, to another client (DuplicatePreparedStatement), which is why the setting
exists. Needs a pgbouncer binary and TEST_DATABASE_URL on PostgreSQL (skipped otherwise); the
PgBouncer is the test's own, in front of a database of its own."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from app.config.settings import normalize_database_url
from tests.conftest import migrate, worker_database
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD
from tests.live_server import LiveServer, live_server
from tests.pgbouncer import STATEMENT_TIMEOUT_MS, PgBouncer, pgbouncer, why_unavailable

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable())),
    pytest.mark.skipif(
        not POSTGRES_URL.startswith(("postgres://", "postgresql")),
        reason="PgBouncer is for PostgreSQL: set TEST_DATABASE_URL to a PostgreSQL database",
    ),
]

CLIENTS = 12
CREATES = 48
READS = 480
CLIENT_TIMEOUT = 30
WAIT = 90
"""How long to wait for a state the test expects (readiness after PgBouncer is back)."""


@pytest.fixture(scope="module")
def database_url() -> str:
    """A migrated database of this module's own (`<base>_<worker>_pgbouncer`)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{worker}_pgbouncer" if worker else "pgbouncer"
    url = worker_database(normalize_database_url(POSTGRES_URL), name)
    migrate(url)
    return url


def environment(bouncer: PgBouncer, *, prepared: bool) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "SECRET_KEY": "pgbouncer-test-secret-key-" + "0123456789" * 4,
        "DATABASE_URL": bouncer.url(),
        "DB_PREPARED_STATEMENTS": str(prepared).lower(),
        "WEB_CONCURRENCY": "2",
        "FIRST_SUPERUSER_EMAIL": SUPERADMIN_EMAIL,
        "FIRST_SUPERUSER_PASSWORD": SUPERADMIN_PASSWORD,
        "RATE_LIMIT_ENABLED": "false",
        "DB_CONNECT_TIMEOUT_SECONDS": "2",
        "DB_POOL_TIMEOUT_SECONDS": "10",
        "REQUEST_TIMEOUT_SECONDS": "20",
    }


@pytest.fixture
def served(
    database_url: str, request: pytest.FixtureRequest
) -> Iterator[tuple[PgBouncer, LiveServer]]:
    """PgBouncer in front of the module's database, and a two-worker server through it
    (``request.param``: DB_PREPARED_STATEMENTS)."""
    with (
        pgbouncer(database_url) as bouncer,
        live_server(environment(bouncer, prepared=request.param)) as server,
    ):
        yield bouncer, server


def sign_in(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/login",
        json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD},
        timeout=CLIENT_TIMEOUT,
    )


def bearer(login: httpx.Response) -> dict[str, str]:
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['data']['access_token']}"}


Call = Callable[[httpx.Client], httpx.Response]


def concurrently(
    url: str, auth: dict[str, str], calls: list[Call]
) -> tuple[Counter[int], list[str]]:
    """The calls from CLIENTS clients at once: how many answered each status, and the problem
    codes of the failures."""
    statuses: Counter[int] = Counter()
    codes: list[str] = []
    lock = threading.Lock()

    def client(share: list[Call]) -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=CLIENT_TIMEOUT) as http:
            for call in share:
                response = call(http)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code >= 400:
                        codes.append(response.json().get("code", "?"))

    with ThreadPoolExecutor(CLIENTS) as pool:
        for done in [pool.submit(client, calls[i::CLIENTS]) for i in range(CLIENTS)]:
            done.result()
    return statuses, codes


def site(n: int) -> dict[str, str]:
    return {"name": f"Site {n}", "address": f"{n} Main Street", "timezone": "Europe/Berlin"}


def load(url: str, auth: dict[str, str], org: str) -> tuple[Counter[int], list[str]]:
    """CREATES site creations among READS list reads of the organization's sites."""
    sites = f"/api/v1/organizations/{org}/sites"
    calls: list[Call] = [lambda http: http.get(sites, params={"per_page": 10})] * READS
    for n in range(CREATES):
        calls.insert(n * READS // CREATES, lambda http, n=n: http.post(sites, json=site(n)))
    return concurrently(url, auth, calls)


def organization(url: str, auth: dict[str, str], name: str) -> str:
    created = httpx.post(
        f"{url}/api/v1/organizations", json={"name": name}, headers=auth, timeout=CLIENT_TIMEOUT
    )
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        time.sleep(0.2)


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=CLIENT_TIMEOUT).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("served", [False], indirect=True, ids=["preparation off"])
def test_the_api_works_through_pgbouncer_in_transaction_mode(
    served: tuple[PgBouncer, LiveServer],
) -> None:
    bouncer, server = served
    auth = bearer(sign_in(server.url))
    org = organization(server.url, auth, "Through PgBouncer")
    statuses, codes = load(server.url, auth, org)

    assert statuses == Counter({201: CREATES, 200: READS}), (statuses, codes, server.log()[-3000:])
    listed = httpx.get(
        f"{server.url}/api/v1/organizations/{org}/sites",
        params={"per_page": 100},
        headers=auth,
        timeout=CLIENT_TIMEOUT,
    )
    assert listed.status_code == 200
    assert len(listed.json()["data"]) == CREATES
    # The session settings the app's `options` cannot carry through PgBouncer hold anyway.
    with psycopg.connect(bouncer.url().replace("+psycopg", ""), connect_timeout=5) as connection:
        assert connection.execute("SHOW TimeZone").fetchone() == ("UTC",)
        timeout = connection.execute("SHOW statement_timeout").fetchone()
        assert timeout == (f"{STATEMENT_TIMEOUT_MS // 1000}s",)


@pytest.mark.parametrize("served", [False], indirect=True, ids=["preparation off"])
def test_pgbouncer_down_answers_503_with_retry_after_and_recovers(
    served: tuple[PgBouncer, LiveServer],
) -> None:
    bouncer, server = served
    auth = bearer(sign_in(server.url))
    org = organization(server.url, auth, "Outage")
    statuses, codes = load(server.url, auth, org)  # both pools hold connections to PgBouncer
    assert set(statuses) == {200, 201}, (statuses, codes)
    sites = f"/api/v1/organizations/{org}/sites"

    bouncer.stop()
    statuses, codes = concurrently(
        server.url,
        auth,
        [lambda http: http.get(sites)] * 24 + [lambda http: http.post(sites, json=site(0))] * 12,
    )
    assert statuses == Counter({503: 36}), (statuses, server.log()[-3000:])
    assert set(codes) == {"database_unavailable"}
    answer = httpx.get(f"{server.url}{sites}", headers=auth, timeout=CLIENT_TIMEOUT)
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) >= 1
    assert not ready(server.url)

    bouncer.start()
    wait_for("readiness once PgBouncer is back", lambda: ready(server.url))
    statuses, codes = load(server.url, auth, org)
    assert set(statuses) <= {200, 201}, (statuses, codes)
    assert "Traceback" not in server.log(), server.log()[-3000:]


@pytest.mark.parametrize("served", [True], indirect=True, ids=["preparation on"])
def test_prepared_statements_fail_through_pgbouncer_without_their_support(
    served: tuple[PgBouncer, LiveServer],
) -> None:
    """Why DB_PREPARED_STATEMENTS exists (PgBouncer < 1.21, or max_prepared_statements = 0)."""
    _, server = served
    logins = [sign_in(server.url) for _ in range(CLIENTS)]
    signed_in = [login for login in logins if login.status_code == 200]
    statuses = Counter(login.status_code for login in logins)
    if signed_in:
        organizations = "/api/v1/organizations"
        more, _ = concurrently(
            server.url, bearer(signed_in[0]), [lambda http: http.get(organizations)] * READS
        )
        statuses += more

    assert statuses[500] > 0, statuses
    assert "DuplicatePreparedStatement" in server.log()
