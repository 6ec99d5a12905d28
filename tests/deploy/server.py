"""Run the container's commands as real processes on the loopback interface, without Docker."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from tests.deploy.files import ROOT

BIN = Path(sys.executable).parent
READY_TIMEOUT = 120.0
"""Seconds; generous, the machine may be busy."""
EXIT_TIMEOUT = 60.0


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """A minimal environment like the container's: only PATH and what the service reads."""
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "APP_ENV": "test",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        **extra,
    }


def local(command: list[str]) -> list[str]:
    """The command with its program taken from this virtual environment (like /opt/venv/bin)."""
    return [str(BIN / command[0]), *command[1:]]


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a container command to completion from the repository root (the image's WORKDIR)."""
    return subprocess.run(  # noqa: S603 - our own commands
        local(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def for_loopback(command: list[str], port: int, module: str = "app.main:app") -> list[str]:
    """The server command bound to 127.0.0.1:port, serving `module`; every other flag kept."""
    result = [module if item == "app.main:app" else item for item in command]
    result[result.index("--host") + 1] = "127.0.0.1"
    result[result.index("--port") + 1] = str(port)
    return result


def get(url: str, timeout: float = 5) -> int:
    """The status of a GET, or 0 when the server cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


PID_NAMESPACE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child"]
"""Runs a command as PID 1 of a new PID namespace, as a container's command runs."""


@cache
def can_run_as_pid1() -> bool:
    """Whether this machine allows unprivileged user and PID namespaces."""
    try:
        result = subprocess.run(  # noqa: S603 - fixed command
            [*PID_NAMESPACE, "true"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


class Server:
    """A started server process; `pid` is the server itself (inside the namespace if any)."""

    def __init__(self, process: subprocess.Popen[str], as_pid1: bool) -> None:
        self.process = process
        self.pid = _namespace_child(process) if as_pid1 else process.pid

    def terminate(self) -> None:
        """SIGTERM to the server, as `docker stop` and the kubelet send it."""
        os.kill(self.pid, signal.SIGTERM)

    def poll(self) -> int | None:
        """The exit status, or None while it runs."""
        return self.process.poll()

    def wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        """Wait for the exit status."""
        return self.process.wait(timeout=timeout)


def _namespace_child(process: subprocess.Popen[str]) -> int:
    """The process `unshare --fork` started (PID 1 inside its namespace)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        found = children.read_text().split() if children.exists() else []
        if found:
            return int(found[0])
        time.sleep(0.05)
    raise AssertionError("unshare started no process")


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, as_pid1: bool = False
) -> Iterator[Server]:
    """Start the server, wait until /health/ready answers 200, and always stop it afterwards."""
    port = command[command.index("--port") + 1]
    argv = [*PID_NAMESPACE, *local(command)] if as_pid1 else local(command)
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
        try:
            server = Server(process, as_pid1)
            wait_ready(f"http://127.0.0.1:{port}", process, log)
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=EXIT_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_ready(base: str, process: subprocess.Popen[str], log: Path) -> None:
    """Poll /health/ready until it answers 200; fail with the log if the server dies or hangs."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()}")
        if get(f"{base}/health/ready") == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"server not ready within {READY_TIMEOUT} s:\n{log.read_text()}")


def migrated_sqlite(directory: Path) -> str:
    """A new SQLite database in `directory`, migrated to head with the migrate command."""
    url = f"sqlite+aiosqlite:///{directory / 'app.db'}"
    result = run(["alembic", "upgrade", "head"], environment(url))
    assert result.returncode == 0, result.stderr
    return url
