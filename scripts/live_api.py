"""A real server for checks that talk HTTP: uvicorn on a free loopback port, on a migrated database.

Used by `make contract` (schemathesis' CLI) and `make sdk-check` (the SDK scenarios). The server
creates a superadmin at start-up whose email and random password the caller gets back.

    with serving(database_url, log=Path("reports/server.log")) as api:
        api.base, api.admin_email, api.admin_password
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config.settings import normalize_database_url  # noqa: E402 - needs the repository on sys.path

BIN = Path(sys.executable).parent
ADMIN_EMAIL = "live-admin@example.com"
SERVE_OPTIONS = (
    "--host",
    "127.0.0.1",
    "--no-proxy-headers",
    "--no-server-header",
    "--http",
    "app.edge.server_protocol:BoundedHeadProtocol",
)
"""As `make run` serves: the app, not uvicorn, decides whom X-Forwarded-For is believed from."""
OPEN_RATE_LIMITS = dict.fromkeys(
    (
        "RATE_LIMIT_LOGIN_PER_IP",
        "RATE_LIMIT_LOGIN_PER_EMAIL",
        "RATE_LIMIT_AUTHENTICATED",
        "RATE_LIMIT_ANONYMOUS",
    ),
    "1000000/minute",
)
"""Limits on, so RateLimit-* headers are sent and checked against the spec, but out of reach."""


@dataclass(frozen=True)
class LiveApi:
    """Where the server listens and how to sign in as its superadmin."""

    base: str
    admin_email: str
    admin_password: str


def free_port() -> int:
    """A free TCP port on the loopback interface, or LIVE_API_PORT when set (on a shared machine
    whose users each own a range of ports)."""
    if os.environ.get("LIVE_API_PORT"):
        return int(os.environ["LIVE_API_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(url: str) -> None:
    """Wipe a PostgreSQL database (SQLite files start new) and migrate it to head."""
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    subprocess.run(  # noqa: S603
        [BIN / "alembic", "-x", f"url={url}", "upgrade", "head"], cwd=ROOT, check=True
    )


def wait_until_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll /health/ready until the server answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout} s")


def login(api: LiveApi) -> str:
    """An access token for the superadmin the server created at start-up."""
    request = urllib.request.Request(  # noqa: S310
        f"{api.base}/api/v1/auth/login",
        data=json.dumps({"email": api.admin_email, "password": api.admin_password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        token: str = json.load(response)["data"]["access_token"]
    return token


@contextmanager
def serving(database_url: str | None, log: Path) -> Iterator[LiveApi]:
    """uvicorn serving the app on database_url (default a new SQLite file), wiped and migrated."""
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(database_url or f"sqlite+aiosqlite:///{tmp}/live.db")
        prepare_database(url)
        api = LiveApi(f"http://127.0.0.1:{free_port()}", ADMIN_EMAIL, secrets.token_urlsafe(24))
        env = os.environ | {
            "APP_ENV": "test",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "FIRST_SUPERUSER_EMAIL": api.admin_email,
            "FIRST_SUPERUSER_PASSWORD": api.admin_password,
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_ENABLED": "true",
            **OPEN_RATE_LIMITS,
        }
        port = api.base.rsplit(":", 1)[1]
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as output:
            server = subprocess.Popen(  # noqa: S603
                [BIN / "uvicorn", "app.main:app", *SERVE_OPTIONS, "--port", port],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_ready(api.base, server)
                yield api
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
