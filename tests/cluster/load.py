"""A steady load on the cluster through HAProxy: clients (each a user of its own, owning an
organization) list sites and create sites with an Idempotency-Key, and record every answer.
What the clients saw and what the database holds are then compared."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg

from tests.cluster.api import TIMEOUT, Api, Session

PACE = 0.5
"""Seconds between one client's requests at least: 120 a minute, so a client (a user of its own)
stays under the per-user limit for the few minutes a check lasts."""
READS_PER_WRITE = 3
RETRY_PAUSE = 1.0
RETRIES = 30
"""How often a client repeats a failed write with its key before giving up (the cluster heals
within seconds; a give-up is recorded and fails the check)."""


@dataclass
class Failure:
    """One answer a client did not want: a transport error or a status >= 500."""

    method: str
    what: str


@dataclass
class Client:
    """One load client's user, organization and record."""

    number: int
    session: Session
    organization: str
    acknowledged: dict[str, str] = field(default_factory=dict)
    """Site name -> id of every create answered 201."""
    failures: list[Failure] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    gave_up: list[str] = field(default_factory=list)


class Load:
    """``clients`` clients in threads until stop(); ``retry_writes``: a failed create is sent
    again with the same key and body until it is answered."""

    def __init__(self, api: Api, clients: int, *, retry_writes: bool = False) -> None:
        self.api = api
        self.retry_writes = retry_writes
        self.clients = []
        for number in range(clients):
            session = api.new_session(f"load{number}")
            self.clients.append(Client(number, session, api.new_organization(session)))
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(client,), daemon=True)
            for client in self.clients
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=RETRIES * (TIMEOUT + RETRY_PAUSE))

    def wait_for_requests(self, count: int) -> None:
        """Until the clients together have had ``count`` more answers (progress, not time)."""
        target = self.answered + count
        while self.answered < target and not self._stop.is_set():
            time.sleep(0.1)

    @property
    def answered(self) -> int:
        return sum(sum(client.statuses.values()) for client in self.clients)

    @property
    def failures(self) -> list[Failure]:
        return [failure for client in self.clients for failure in client.failures]

    def _run(self, client: Client) -> None:
        sites = f"/api/v1/organizations/{client.organization}/sites"
        headers = client.session.headers
        with httpx.Client(base_url=self.api.url(), headers=headers, timeout=TIMEOUT) as http:
            sequence = 0
            while not self._stop.is_set():
                started = time.monotonic()
                if sequence % (READS_PER_WRITE + 1) == READS_PER_WRITE:
                    self._create(http, client, sites, f"client{client.number}-site{sequence}")
                else:
                    self._send(http, client, "GET", sites, params={"per_page": 10})
                sequence += 1
                self._stop.wait(max(0.0, PACE - (time.monotonic() - started)))

    def _send(
        self,
        http: httpx.Client,
        client: Client,
        method: str,
        path: str,
        *,
        params: dict[str, int] | None = None,
        json: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response | None:
        try:
            answer = http.request(method, path, params=params, json=json, headers=headers)
        except httpx.TransportError as error:
            client.failures.append(Failure(method, f"{type(error).__name__}: {error}"))
            client.statuses[0] += 1
            return None
        client.statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            client.failures.append(Failure(method, f"{answer.status_code} {answer.text[:200]}"))
            return None
        return answer

    def _create(self, http: httpx.Client, client: Client, sites: str, name: str) -> None:
        body = {"name": name, "timezone": "Europe/Berlin"}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        for _ in range(RETRIES if self.retry_writes else 1):
            answer = self._send(http, client, "POST", sites, json=body, headers=key)
            if answer is not None:
                if answer.status_code == 201:
                    client.acknowledged[name] = answer.json()["data"]["id"]
                return
            time.sleep(RETRY_PAUSE)
        client.gave_up.append(name)


def stored_sites(database_url: str, organizations: list[str]) -> Counter[str]:
    """How many rows each site name has in the organizations, read from PostgreSQL itself."""
    url = database_url.replace("+psycopg", "")
    with psycopg.connect(url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT name, count(*) FROM sites WHERE organization_id::text = ANY(%s) GROUP BY name",
            (organizations,),
        ).fetchall()
    return Counter({name: count for name, count in rows})


def assert_stored_exactly_once(load: Load, database_url: str) -> None:
    """Every acknowledged create is in the database once, and no create is there twice."""
    stored = stored_sites(database_url, [client.organization for client in load.clients])
    acknowledged = {name for client in load.clients for name in client.acknowledged}
    assert acknowledged, "the load acknowledged no write"
    missing = sorted(name for name in acknowledged if stored[name] == 0)
    twice = sorted(name for name, count in stored.items() if count > 1)
    assert not missing, f"acknowledged but not stored: {missing}"
    assert not twice, f"stored more than once: {twice}"
