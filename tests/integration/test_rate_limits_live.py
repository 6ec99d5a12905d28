"""Rate limits on real uvicorn processes: two instances sharing one Redis budget, a client that
forges X-Forwarded-For, and a Redis that goes away and comes back."""

from __future__ import annotations

import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis

from app.access.rate_limits import KEY_PREFIX
from app.config.settings import Settings
from tests.live_server import LiveServer, free_port, live_server

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/users/me"
QUOTA_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def server_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a server on the test database, with rate limits to taste."""
    return {
        "APP_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": settings.secret_key,
        "RATE_LIMIT_ENABLED": "true",
        **overrides,
    }


def random_ip() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311


def test_two_instances_on_one_redis_share_one_budget(settings: Settings, redis_url: str) -> None:
    env = server_env(
        settings,
        REDIS_URL=redis_url,
        RATE_LIMIT_LOGIN_PER_EMAIL="5/minute",
        RATE_LIMIT_LOGIN_PER_IP="1000/minute",
        RATE_LIMIT_ANONYMOUS="3/minute",
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    email, client = f"live-{uuid.uuid4().hex[:12]}@example.com", random_ip()
    with live_server(env) as first, live_server(env) as second:
        servers = (first, second)
        logins = [
            httpx.post(
                servers[i % 2].url + LOGIN, json={"email": email, "password": "wrong-password"}
            ).status_code
            for i in range(12)
        ]
        anonymous = [
            httpx.get(servers[i % 2].url + ME, headers={"X-Forwarded-For": client}).status_code
            for i in range(6)
        ]
    assert logins == [401] * 5 + [429] * 7, "the limit is the total over both instances"
    assert anonymous == [401] * 3 + [429] * 3


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    """In-memory counters, and the CI machine's Redis (its counters for this test cleared)."""
    if request.param == "memory":
        return ""
    url: str = request.getfixturevalue("redis_url")
    store = redis.Redis.from_url(url)
    stale = list(store.scan_iter(f"{KEY_PREFIX}:*anonymous-ip/127.0.0.1/*"))
    if stale:
        store.delete(*stale)
    return url


def test_a_forged_forwarded_for_does_not_dodge_the_limit(settings: Settings, storage: str) -> None:
    env = server_env(settings, REDIS_URL=storage, RATE_LIMIT_ANONYMOUS="3/minute")
    with live_server(env) as server:
        responses = [
            httpx.get(server.url + ME, headers={"X-Forwarded-For": random_ip()}) for _ in range(6)
        ]
    assert [r.status_code for r in responses] == [401] * 3 + [429] * 3
    assert responses[-1].json()["code"] == "rate_limited"


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of this test's own, so it can be stopped without disturbing anyone."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (the CI machine has it)")
    process = subprocess.Popen(  # noqa: S603
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def quota_sent(server: LiveServer) -> bool:
    return all(name in httpx.get(server.url + ME).headers for name in QUOTA_HEADERS)


def test_redis_going_away_fails_open_and_limits_resume_when_it_returns(
    settings: Settings, redis_url: str
) -> None:
    port = free_port()
    env = server_env(
        settings, REDIS_URL=f"redis://127.0.0.1:{port}/0", RATE_LIMIT_ANONYMOUS="1000/minute"
    )
    with redis_server(port) as store, live_server(env) as server:
        assert quota_sent(server)
        store.terminate()
        store.wait(timeout=10)
        during = [httpx.get(server.url + ME) for _ in range(5)]
        deps = httpx.get(server.url + "/health/deps")
        with redis_server(port):
            deadline = time.monotonic() + 30
            while not quota_sent(server):
                assert time.monotonic() < deadline, "limits did not resume after Redis returned"
                time.sleep(0.5)
        log = server.log()
    assert [r.status_code for r in during] == [401] * 5, "served, not failed"
    assert not any(name in during[-1].headers for name in QUOTA_HEADERS)
    assert deps.status_code == 200
    assert deps.json()["data"]["status"] == "warn"
    assert log.count("rate-limit store unreachable") == 1
    assert "rate-limit store reachable again" in log
