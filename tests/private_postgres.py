"""A private PostgreSQL cluster for fault tests: its own data directory and free port, so it can
be stopped, restarted and frozen without touching any shared server."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from tests.live_server import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian layout), else those on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def server_user() -> str | None:
    """Who runs the server: ourselves, or `postgres` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    pwd.getpwnam("postgres")  # KeyError: no such user
    return "postgres"


def why_unavailable() -> str | None:
    """None when a private cluster can be started here, else the reason it cannot."""
    if postgres_bin() is None:
        return "PostgreSQL server binaries (initdb, postgres) are not installed"
    try:
        server_user()
    except KeyError:
        return "running as root and there is no postgres user to run the server as"
    return None


class PrivateCluster:
    """One initdb'd cluster; start(), stop() (fast shutdown), freeze() and thaw() (SIGSTOP and
    SIGCONT to every server process)."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.bin = postgres_bin()
        assert self.bin is not None
        self.user = server_user()
        self.directory = directory
        self.data = directory / "data"
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = open(directory / "postgres.log", "ab")  # noqa: SIM115 - closed in close()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own binaries
            command,
            user=self.user,
            check=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.directory),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=on",
            ],
            user=self.user,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(
                    self.url("postgres").replace("+psycopg", ""), connect_timeout=2
                ).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the private PostgreSQL did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Fast shutdown: clients are disconnected, committed data is kept."""
        if self.process is None:
            return
        self.thaw()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._signal_all(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def _server_processes(self) -> list[int]:
        """The postmaster and its children (each backend calls setsid(), so a process-group
        signal would reach the postmaster alone)."""
        assert self.process is not None
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def _signal_all(self, signum: signal.Signals) -> None:
        for pid in self._server_processes():
            with suppress(ProcessLookupError):
                os.kill(pid, signum)

    def freeze(self) -> None:
        """SIGSTOP every server process: connections stay open and nothing answers."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self._signal_all(signal.SIGCONT)

    def create_database(self, name: str) -> None:
        url = self.url("postgres").replace("+psycopg", "")
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def close(self) -> None:
        self.stop()
        self.log.close()


@contextmanager
def private_cluster(port: int | None = None) -> Iterator[PrivateCluster]:
    """A started private cluster (on ``port``, else a free one), stopped and deleted afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="private-postgres-"))
    cluster: PrivateCluster | None = None
    try:
        user = server_user()
        if user is not None:
            shutil.chown(directory, user=user)
        cluster = PrivateCluster(directory, port)
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(directory, ignore_errors=True)
