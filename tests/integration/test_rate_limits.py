"""Rate limits in-process: each scope, the headers, the 429 problem, exemptions, trusted proxies,
a Redis store shared by two app instances, and failing open when the store is unreachable."""

from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.rate_limits import RateLimiter
from app.config.settings import Settings
from app.main import create_app
from tests.factories import PASSWORD, auth_headers, make_user
from tests.live_server import free_port

BUNDLED_SPEC = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"
SPEC = json.loads(BUNDLED_SPEC.read_text())
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/users/me"
QUOTA_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
OPEN = "1000/minute"


@asynccontextmanager
async def serving(settings: Settings, **overrides: Any) -> AsyncIterator[FastAPI]:
    """A started app of its own (so its own in-memory counters) with the given settings."""
    app = create_app(Settings(**{**settings.model_dump(), **overrides}))
    async with app.router.lifespan_context(app):
        yield app


def per_email(settings: Settings, limit: str) -> AbstractAsyncContextManager[FastAPI]:
    """An app limiting sign-ins per email to ``limit`` (and per IP not at all, in effect)."""
    return serving(settings, RATE_LIMIT_LOGIN_PER_EMAIL=limit, RATE_LIMIT_LOGIN_PER_IP=OPEN)


@asynccontextmanager
async def client_from(app: FastAPI, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose connection comes from ``ip``."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def open_sockets() -> int:
    """How many sockets this process holds open (Linux)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc")
    return sum(1 for fd in fds.iterdir() if _readlink(fd).startswith("socket:"))


def _readlink(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:  # the directory's own descriptor, closed by the time it is read
        return ""


def login_body(email: str, password: str = "wrong-password-1") -> dict[str, str]:
    return {"email": email, "password": password}


def new_email() -> str:
    return f"rl-{uuid.uuid4().hex[:12]}@example.com"


async def test_login_is_limited_per_email_whichever_ip_it_comes_from(settings: Settings) -> None:
    email = new_email()
    async with per_email(settings, "3/minute") as app:
        statuses = []
        for attempt in range(5):
            async with client_from(app, f"203.0.113.{attempt + 1}") as http:
                statuses.append((await http.post(LOGIN, json=login_body(email))).status_code)
        async with client_from(app, "203.0.113.9") as http:
            other = await http.post(LOGIN, json=login_body(new_email()))
    assert statuses == [401, 401, 401, 429, 429]
    assert other.status_code == 401, "another account keeps its own budget"


async def test_login_email_budget_ignores_case(settings: Settings) -> None:
    email = new_email()
    async with (
        per_email(settings, "2/minute") as app,
        client_from(app, "203.0.113.1") as http,
    ):
        for variant in (email, email.upper()):
            assert (await http.post(LOGIN, json=login_body(variant))).status_code == 401
        assert (await http.post(LOGIN, json=login_body(email.title()))).status_code == 429


async def test_login_is_limited_per_client_ip_whichever_email_it_tries(settings: Settings) -> None:
    async with serving(
        settings, RATE_LIMIT_LOGIN_PER_IP="3/minute", RATE_LIMIT_LOGIN_PER_EMAIL=OPEN
    ) as app:
        async with client_from(app, "198.51.100.7") as http:
            statuses = [
                (await http.post(LOGIN, json=login_body(new_email()))).status_code for _ in range(5)
            ]
        async with client_from(app, "198.51.100.8") as http:
            other = await http.post(LOGIN, json=login_body(new_email()))
    assert statuses == [401, 401, 401, 429, 429]
    assert other.status_code == 401


async def test_successful_sign_ins_count_too(settings: Settings, db: AsyncSession) -> None:
    user = await make_user(db, email=new_email())
    await db.commit()
    async with (
        per_email(settings, "2/minute") as app,
        client_from(app, "203.0.113.20") as http,
    ):
        good = login_body(user.email, PASSWORD)
        statuses = [(await http.post(LOGIN, json=good)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_refresh_is_limited_per_account_the_token_names(
    settings: Settings, db: AsyncSession
) -> None:
    user = await make_user(db, email=new_email())
    await db.commit()
    async with per_email(settings, "3/minute") as app:
        async with client_from(app, "203.0.113.30") as http:
            signed_in = await http.post(LOGIN, json=login_body(user.email, PASSWORD))
        token, statuses = signed_in.json()["data"]["refresh_token"], []
        for attempt in range(4):
            async with client_from(app, f"203.0.113.{31 + attempt}") as http:
                response = await http.post("/api/v1/auth/refresh", json={"refresh_token": token})
            statuses.append(response.status_code)
            if response.status_code == 200:
                token = response.json()["data"]["refresh_token"]
    assert statuses == [200, 200, 200, 429], "the email's budget is login's; the user's, refresh's"


async def test_signed_in_calls_are_limited_per_user_not_per_ip(
    settings: Settings, app: FastAPI, db: AsyncSession
) -> None:
    ada, bob = await make_user(db, email=new_email()), await make_user(db, email=new_email())
    await db.commit()
    async with serving(settings, RATE_LIMIT_AUTHENTICATED="3/minute") as limited:
        statuses = []
        for attempt in range(4):
            async with client_from(limited, f"192.0.2.{attempt + 1}") as http:
                statuses.append(
                    (await http.get(ME, headers=await auth_headers(app, ada))).status_code
                )
        async with client_from(limited, "192.0.2.1") as http:
            bob_status = (await http.get(ME, headers=await auth_headers(app, bob))).status_code
    assert statuses == [200, 200, 200, 429]
    assert bob_status == 200


async def test_anonymous_calls_are_limited_per_client_ip(settings: Settings) -> None:
    async with serving(settings, RATE_LIMIT_ANONYMOUS="2/minute") as app:
        async with client_from(app, "192.0.2.50") as http:
            no_token = await http.get(ME)
            bad_token = await http.get(ME, headers={"Authorization": "Bearer not-a-token"})
            over = await http.get(ME)
        async with client_from(app, "192.0.2.51") as http:
            other_ip = await http.get(ME)
    assert [no_token.status_code, bad_token.status_code, over.status_code] == [401, 401, 429]
    assert no_token.headers["RateLimit-Remaining"] == "1"
    assert other_ip.status_code == 401


async def test_headers_count_down_and_the_429_is_a_documented_problem(settings: Settings) -> None:
    email = new_email()
    async with (
        per_email(settings, "2/minute") as app,
        client_from(app, "203.0.113.40") as http,
    ):
        responses = [await http.post(LOGIN, json=login_body(email)) for _ in range(3)]
    remaining = [r.headers["RateLimit-Remaining"] for r in responses]
    assert [r.headers["RateLimit-Limit"] for r in responses] == ["2", "2", "2"]
    assert remaining == ["1", "0", "0"]
    assert all(0 <= int(r.headers["RateLimit-Reset"]) <= 60 for r in responses)
    over = responses[-1]
    assert over.status_code == 429
    assert over.headers["content-type"] == "application/problem+json"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert over.headers["Retry-After"] == over.headers["RateLimit-Reset"]
    body = over.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert body["instance"] == LOGIN
    assert f"retry in {over.headers['Retry-After']} seconds" in body["detail"]
    schemathesis.openapi.from_path(BUNDLED_SPEC)[LOGIN]["POST"].validate_response(over)
    declared = SPEC["components"]["responses"]["TooManyRequests"]["headers"]
    assert set(declared) >= {"Retry-After", *QUOTA_HEADERS}


async def test_login_and_refresh_report_the_tightest_limit(settings: Settings) -> None:
    async with (
        serving(
            settings, RATE_LIMIT_LOGIN_PER_IP="50/minute", RATE_LIMIT_LOGIN_PER_EMAIL="4/minute"
        ) as app,
        client_from(app, "203.0.113.41") as http,
    ):
        response = await http.post(LOGIN, json=login_body(new_email()))
    assert (response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]) == (
        "4",
        "3",
    )


async def test_several_windows_per_scope_all_apply(settings: Settings) -> None:
    email = new_email()
    async with (
        per_email(settings, "10/minute;2/hour") as app,
        client_from(app, "203.0.113.42") as http,
    ):
        statuses = [(await http.post(LOGIN, json=login_body(email))).status_code for _ in range(3)]
        over = await http.post(LOGIN, json=login_body(email))
    assert statuses == [401, 401, 429]
    assert 60 < int(over.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize(
    "path", ["/health/live", "/health/ready", "/health/deps", "/api/v1/openapi.json", "/docs"]
)
async def test_health_and_docs_are_never_limited(settings: Settings, path: str) -> None:
    async with (
        serving(settings, RATE_LIMIT_ANONYMOUS="1/minute") as app,
        client_from(app, "192.0.2.60") as http,
    ):
        responses = [await http.get(path) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert not any(name in responses[-1].headers for name in QUOTA_HEADERS)


async def test_switched_off_nothing_is_counted_or_sent(settings: Settings) -> None:
    async with (
        serving(settings, RATE_LIMIT_ENABLED=False, RATE_LIMIT_ANONYMOUS="1/minute") as app,
        client_from(app, "192.0.2.70") as http,
    ):
        responses = [await http.get(ME) for _ in range(3)]
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert not any(name in responses[-1].headers for name in QUOTA_HEADERS)


def test_the_switch_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    assert RateLimiter(Settings(APP_ENV="test")).enabled is False


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "counted_as"),
    [
        ("", "198.51.100.1", "peer"),
        ("10.0.0.0/8", "198.51.100.1", "forwarded"),
        ("10.0.0.0/8", "198.51.100.1, 10.1.2.3", "forwarded"),
        ("10.9.9.9", "198.51.100.1", "peer"),
    ],
)
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    settings: Settings, trusted: str, forwarded_for: str, counted_as: str
) -> None:
    peer = "10.1.1.1"
    async with serving(settings, RATE_LIMIT_ANONYMOUS="1/minute", FORWARDED_ALLOW_IPS=trusted) as (
        app
    ):
        async with client_from(app, peer) as http:
            first = await http.get(ME, headers={"X-Forwarded-For": forwarded_for})
            spoofed = await http.get(ME, headers={"X-Forwarded-For": "192.0.2.99"})
        async with client_from(app, peer) as http:
            plain = await http.get(ME)
    assert first.status_code == 401
    if counted_as == "peer":
        assert [spoofed.status_code, plain.status_code] == [429, 429]
    else:
        assert [spoofed.status_code, plain.status_code] == [401, 401]


async def test_two_app_instances_on_one_redis_share_the_budget(
    settings: Settings, redis_url: str
) -> None:
    email = new_email()
    limits = {
        "REDIS_URL": redis_url,
        "RATE_LIMIT_LOGIN_PER_EMAIL": "4/minute",
        "RATE_LIMIT_LOGIN_PER_IP": OPEN,
    }
    async with serving(settings, **limits) as first, serving(settings, **limits) as second:
        statuses = []
        for index in range(8):
            async with client_from((first, second)[index % 2], "203.0.113.50") as http:
                statuses.append((await http.post(LOGIN, json=login_body(email))).status_code)
    assert statuses == [401] * 4 + [429] * 4


async def test_an_unreachable_redis_fails_open(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    caplog.set_level(logging.WARNING, logger="app.access.rate_limits")
    async with (
        serving(settings, REDIS_URL=dead, RATE_LIMIT_ANONYMOUS="1/minute") as app,
        client_from(app, "192.0.2.80") as http,
    ):
        responses = [await http.get(ME) for _ in range(3)]
        deps = await http.get("/health/deps")
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert not any(name in responses[-1].headers for name in QUOTA_HEADERS)
    warnings = [r for r in caplog.records if "not limited" in r.getMessage()]
    assert len(warnings) == 1, "one warning per outage, not one per request"
    assert deps.status_code == 200
    report = deps.json()["data"]
    assert report["status"] == "warn"
    assert {check["name"]: check["status"] for check in report["checks"]} == {
        "database": "pass",
        "redis": "fail",
    }


async def test_deps_reports_a_reachable_redis(settings: Settings, redis_url: str) -> None:
    async with (
        serving(settings, REDIS_URL=redis_url) as app,
        client_from(app, "192.0.2.81") as http,
    ):
        deps = await http.get("/health/deps")
    assert deps.status_code == 200
    assert deps.json()["data"]["status"] == "pass"
    assert [check["name"] for check in deps.json()["data"]["checks"]] == ["database", "redis"]


async def test_shutdown_closes_the_redis_connections(settings: Settings, redis_url: str) -> None:
    # Without the collector, nothing but the app's own shutdown can close them.
    gc.disable()
    try:
        before = open_sockets()
        async with (
            serving(settings, REDIS_URL=redis_url) as app,
            client_from(app, "192.0.2.82") as http,
        ):
            assert (await http.get(ME)).headers["RateLimit-Remaining"]
            during = open_sockets()
        after = open_sockets()
    finally:
        gc.enable()
    assert during > before, "the limiter talked to Redis"
    assert after == before, "every socket the app opened is closed when it stops"


async def test_the_limiter_and_authorize_verify_the_access_token_once(
    settings: Settings, app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await make_user(db, email=new_email())
    await db.commit()
    async with serving(settings) as limited:
        tokens = limited.state.tokens
        decoded: list[str] = []
        original = tokens.decode

        def counting_decode(token: str, expected_type: Any) -> Any:
            decoded.append(expected_type)
            return original(token, expected_type=expected_type)

        monkeypatch.setattr(tokens, "decode", counting_decode)
        async with client_from(limited, "192.0.2.90") as http:
            response = await http.get(ME, headers=await auth_headers(app, user))
    assert response.status_code == 200
    assert response.headers["RateLimit-Remaining"] == "999999", "counted per user"
    assert decoded == ["access"]
