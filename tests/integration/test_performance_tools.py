"""The performance commands of docs/performance.md work as written: the pytest-benchmark file
runs (each benchmark once, timings off) and the locustfile drives a real server headless without
a failed request. Nothing here measures anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import migrate
from tests.live_server import BASE_ENV, ROOT, live_server

EMAIL = "locust-admin@example.com"
PASSWORD = "locust-password-1"


def test_the_endpoint_benchmarks_run() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/performance/test_endpoints.py",
            "--benchmark-disable",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=ROOT,
        env=BASE_ENV | {"SECRET_KEY": os.environ["SECRET_KEY"]},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert "deselected" not in result.stdout.splitlines()[-1]


def test_the_locustfile_runs_headless_against_a_server(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locust.db'}"
    migrate(url)
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "DATABASE_URL": url,
        "RATE_LIMIT_ENABLED": "false",
        "FIRST_SUPERUSER_EMAIL": EMAIL,
        "FIRST_SUPERUSER_PASSWORD": PASSWORD,
    }
    with live_server(env) as server:
        result = subprocess.run(  # noqa: S603 - the locust installed beside this interpreter
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                "tests/performance/locustfile.py",
                "--host",
                server.url,
                "--users",
                "2",
                "--spawn-rate",
                "2",
                "--run-time",
                "5s",
            ],
            cwd=ROOT,
            env=BASE_ENV | {"LOCUST_EMAIL": EMAIL, "LOCUST_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # locust exits 1 when any request failed
    assert "sign in" in output
