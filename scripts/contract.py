"""`make contract`: schemathesis' CLI against the real server, as CI and client teams run it.

Starts uvicorn on a free loopback port against CONTRACT_DATABASE_URL (default: a new SQLite file;
a PostgreSQL database given here is wiped), migrated from scratch; signs in as a superadmin it
creates; runs `st run` on the served spec with every check, every phase (examples, coverage,
fuzzing, stateful), a fixed seed and a bounded number of examples; writes a JUnit report to
reports/; stops the server. The exit status is schemathesis'.

    python scripts/contract.py                       # CI-sized run, a few minutes at most
    python scripts/contract.py --max-examples 500 --max-time 1800   # make contract-deep
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.settings import normalize_database_url  # noqa: E402 - needs the repository on sys.path

BIN = Path(sys.executable).parent
REPORTS = ROOT / "reports"
ADMIN_EMAIL = "contract-admin@example.com"
SERVE_OPTIONS = ("--host", "127.0.0.1", "--no-proxy-headers", "--no-server-header")
"""As `make run` serves: the app, not uvicorn, decides whom X-Forwarded-For is believed from."""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
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
            raise SystemExit(f"the server exited with {server.returncode}; see reports/")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout} s")


def login(base: str, password: str) -> str:
    """An access token for the superadmin the server created at start-up."""
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/auth/login",
        data=json.dumps({"email": ADMIN_EMAIL, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        token: str = json.load(response)["data"]["access_token"]
    return token


def run_schemathesis(base: str, token: str, args: argparse.Namespace) -> int:
    """`st run` with every check and phase; returns its exit status."""
    command = [
        str(BIN / "st"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.max_examples),
        "--report",
        "junit",
        "--report-junit-path",
        str(REPORTS / "contract-junit.xml"),
        "--no-color",
    ]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603


def main() -> int:
    """Serve, test, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--max-examples", type=int, default=40)
    parser.add_argument("--max-time", type=int, default=0, help="seconds; 0 means no limit")
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(
            os.environ.get("CONTRACT_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/contract.db"
        )
        prepare_database(url)
        password = secrets.token_urlsafe(24)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = os.environ | {
            "APP_ENV": "test",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "FIRST_SUPERUSER_EMAIL": ADMIN_EMAIL,
            "FIRST_SUPERUSER_PASSWORD": password,
            "LOG_LEVEL": "WARNING",
            # Limits on, so RateLimit-* headers are checked against the spec, but out of reach.
            "RATE_LIMIT_ENABLED": "true",
            **dict.fromkeys(
                (
                    "RATE_LIMIT_LOGIN_PER_IP",
                    "RATE_LIMIT_LOGIN_PER_EMAIL",
                    "RATE_LIMIT_AUTHENTICATED",
                    "RATE_LIMIT_ANONYMOUS",
                ),
                "1000000/minute",
            ),
        }
        with (REPORTS / "contract-server.log").open("wb") as log:
            server = subprocess.Popen(  # noqa: S603
                [BIN / "uvicorn", "app.main:app", *SERVE_OPTIONS, "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_ready(base, server)
                return run_schemathesis(base, login(base, password), args)
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()


if __name__ == "__main__":
    raise SystemExit(main())
