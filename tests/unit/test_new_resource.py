"""`make resource NAME=...` on a copy of the repository: the resource it writes passes lint
(ruff, mypy, import layers, the spec check) and its tests, the permission matrix and the
migration checks, as written; a second run or a bad name changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
COPIED = ("app", "handlers", "generated", "openapi", "scripts", "tests", "alembic")


def copy_of_the_repository(target: Path) -> Path:
    """The files a designer works on, copied (no .venv, data/ or caches)."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache")
    for name in COPIED:
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("Makefile", "alembic.ini", "pyproject.toml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, target / name)
    return target


def run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """A command in the copy, on SQLite and in-memory defaults, outside this run's coverage."""
    outer = ("TEST_DATABASE_URL", "TEST_REDIS_URL", "DATABASE_URL", "COV_CORE_", "COVERAGE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
    return subprocess.run(  # noqa: S603 - our own tools on our own copy
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=540, check=False
    )


@pytest.mark.timeout(600)
def test_a_scaffolded_resource_passes_lint_and_tests(tmp_path: Path) -> None:
    repo = copy_of_the_repository(tmp_path)
    make = ("make", "--no-print-directory", f"VENV={VENV}", f"LOCK={ROOT}/requirements/dev.lock")
    versions = repo / "alembic" / "versions"
    number = max(int(path.name[:4]) for path in versions.glob("[0-9]*.py")) + 1
    made = run(repo, *make, "resource", "NAME=subscriptions")
    assert made.returncode == 0, made.stdout + made.stderr
    assert (versions / f"{number:04d}_add_subscriptions.py").exists()
    # a new resource joins the newest version only (v1 is frozen)
    assert "listSubscriptions" in (repo / "generated" / "v2" / "operations.py").read_text()

    bin_ = VENV / "bin"
    for check in (
        (str(bin_ / "ruff"), "check", "."),
        (str(bin_ / "ruff"), "format", "--check", "."),
        (str(bin_ / "mypy"),),
        (str(bin_ / "lint-imports"),),
        (sys.executable, "scripts/bundle_spec.py", "--check"),
    ):
        result = run(repo, *check)
        assert result.returncode == 0, f"{check}: {result.stdout}{result.stderr}"
    tests = run(
        repo,
        sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-q",
        "tests/integration/test_subscriptions.py", "tests/integration/test_migrations.py",
        "tests/integration/test_permission_matrix.py",
        "tests/integration/test_permission_matrix_v2.py",
        "-k", "subscription or Subscription or migrations or rbac",
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    again = run(repo, *make, "resource", "NAME=subscriptions")
    assert again.returncode != 0
    assert "subscriptions exists already" in again.stderr


def test_a_bad_name_is_refused(tmp_path: Path) -> None:
    result = run(ROOT, sys.executable, "scripts/new_resource.py", "Gizmo")
    assert result.returncode == 2
    assert "NAME must be one lowercase plural word" in result.stderr
