"""One supervised process: started in a session of its own (so a signal reaches its workers
too), its output in a log file, stopped gently or killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

START_TIMEOUT = 120.0
"""How long a part may take to come up (generous: the machine is shared and often loaded)."""
STOP_TIMEOUT = 40.0
"""How long a gentle stop may take before the process group is killed (uvicorn drains 20 s)."""


class Process:
    """A command run as a process group leader, logging to ``log_path``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.user = user
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands
                self.command,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.popen.pid

    def wait_until(self, what: str, ready: Callable[[], bool]) -> None:
        """Poll ``ready`` until it holds; fail with the log when the process exits or
        START_TIMEOUT passes."""
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if not self.running:
                raise RuntimeError(f"{self.name} exited before {what}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name}: no {what} in {START_TIMEOUT} s:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def signal_group(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the process and every process of its session (uvicorn's workers)."""
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.killpg(self.popen.pid, signum)

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int | None:
        """Ask the process to stop (its main process only: uvicorn's manager stops its workers
        gracefully), kill the group when it takes too long; the exit status."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signum)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait()
        self.signal_group(signal.SIGKILL)  # a worker left behind by its manager
        return self.popen.returncode

    def kill(self) -> None:
        """kill -9 of the whole group at once, as a crashed machine or OOM killer would."""
        self.signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
