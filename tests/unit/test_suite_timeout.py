"""No test can hang the suite: pytest-timeout, as configured in pyproject.toml, ends a stuck test
with every thread's stack and a failing exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_configured_timeout_applies(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getini("timeout")) <= 300
    assert pytestconfig.getini("timeout_method") == "thread"


def test_a_hanging_test_fails_fast_with_a_stack_dump(tmp_path: Path) -> None:
    stuck = tmp_path / "test_stuck.py"
    stuck.write_text("import threading\n\n\ndef test_stuck():\n    threading.Event().wait()\n")
    result = subprocess.run(  # noqa: S603 - this interpreter's pytest on the file just written
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--timeout=2",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            str(stuck),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Timeout" in output
    assert "test_stuck.py" in output and "threading.Event().wait()" in output
