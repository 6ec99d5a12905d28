"""The Makefile's traps for a new user: `make run` honours .env and installs only what running
needs; `make migrations` works on a fresh clone and writes a migration that passes `make lint`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


def make(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`make` with the repository's Makefile and virtual environment, in ``cwd``."""
    ignored = {"HOST", "PORT", "DATABASE_URL", "LOG_FORMAT"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    return subprocess.run(  # noqa: S603 - our own make, Makefile and arguments
        [  # noqa: S607 - make from PATH, as a user runs it
            "make",
            "--no-print-directory",
            f"VENV={VENV}",
            f"LOCK={ROOT}/requirements/dev.lock",
            *args,
        ],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def serve_command(tmp_path: Path, *args: str, **env: str) -> str:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    result = make(tmp_path, "--dry-run", "run", *args, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_make_run_listens_where_dot_env_says(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# where make run listens\nHOST=127.0.0.2\nPORT='8123'\n")
    assert "--host 127.0.0.2 --port 8123" in serve_command(tmp_path)


def test_the_environment_and_the_command_line_win_over_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HOST=127.0.0.2\nPORT=8123\n")
    assert "--host 127.0.0.2 --port 9000" in serve_command(tmp_path, PORT="9000")
    assert "--host 127.0.0.3 --port 9100" in serve_command(
        tmp_path, "HOST=127.0.0.3", "PORT=9100", PORT="9000"
    )


def test_without_dot_env_the_defaults_apply(tmp_path: Path) -> None:
    assert "--host 127.0.0.1 --port 8000" in serve_command(tmp_path)


def test_make_migrations_on_a_fresh_clone_writes_a_lint_clean_migration(tmp_path: Path) -> None:
    for name in ("app", "alembic", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "alembic.ini", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    before = set((tmp_path / "alembic" / "versions").glob("*.py"))

    result = make(tmp_path, "migrations", "m=nothing changed", SECRET_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr
    (written,) = set((tmp_path / "alembic" / "versions").glob("*.py")) - before
    assert "nothing changed" in written.read_text()
    for check in (["ruff", "format", "--check"], ["ruff", "check"]):
        lint = subprocess.run(  # noqa: S603 - the venv's ruff on the file just written
            [str(VENV / "bin" / check[0]), *check[1:], str(written)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout


def test_install_takes_exactly_the_lock_and_checks_it(tmp_path: Path) -> None:
    # Without --no-deps, pip resolves an extra such as pytest-cov's coverage[toml] on its own and
    # picks the newest release, which the hashed lock does not list: `make install` then fails on
    # a fresh machine the day that release appears.
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    result = make(tmp_path, "--dry-run", "--always-make", "install", f"VENV={tmp_path}/venv")
    assert result.returncode == 0, result.stderr
    (install,) = [line for line in result.stdout.splitlines() if " pip install " in line]
    assert "--require-hashes" in install and "--no-deps" in install
    assert any(line.endswith("-m pip check") for line in result.stdout.splitlines())


def test_make_run_on_a_fresh_clone_installs_only_the_app_lock(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    venv = tmp_path / "venv"
    result = make(tmp_path, "--dry-run", "run", f"VENV={venv}", "LOCK=requirements/dev.lock")
    assert result.returncode == 0, result.stderr
    installs = [line for line in result.stdout.splitlines() if " pip install " in line]
    assert [line.rsplit(" ", 1)[1] for line in installs] == ["requirements/app.lock"]
    assert "--require-hashes" in installs[0] and "--no-deps" in installs[0]

    # A .venv with the dev lock (a superset of the app lock) runs as it is.
    venv.mkdir()
    (venv / ".installed-dev").touch()
    result = make(tmp_path, "--dry-run", "run", f"VENV={venv}", "LOCK=requirements/dev.lock")
    assert result.returncode == 0, result.stderr
    assert " pip install " not in result.stdout


def test_the_dev_lock_holds_every_package_of_the_app_lock() -> None:
    def names(lock: str) -> set[str]:
        text = (ROOT / "requirements" / lock).read_text()
        return set(re.findall(r"^([a-z0-9][a-z0-9._-]*)==", text, re.MULTILINE))

    assert names("app.lock") <= names("dev.lock")


def run_log_format(tmp_path: Path, **env: str) -> str:
    """The LOG_FORMAT `make run` exports to the server (its target-specific variable)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    result = make(tmp_path, "--print-data-base", "--dry-run", "run", **env)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("run: LOG_FORMAT")]
    return line.rsplit(" ", 1)[1]


def test_make_run_logs_text_unless_told_otherwise(tmp_path: Path) -> None:
    assert run_log_format(tmp_path) == "text"
    assert run_log_format(tmp_path, LOG_FORMAT="json") == "json"
    (tmp_path / ".env").write_text("LOG_FORMAT=json\n")
    assert run_log_format(tmp_path) == "json"
