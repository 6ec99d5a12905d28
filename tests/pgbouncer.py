"""A PgBouncer of the test's own in transaction mode (Debian's `pgbouncer` package), on a free
loopback port, in front of one database of a PostgreSQL server: started, stopped and started
again on the same port, never touching a system-wide PgBouncer."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url
from sqlalchemy.engine import URL

from tests.live_server import free_port
from tests.private_postgres import server_user

DEBIAN_BINARY = Path("/usr/sbin/pgbouncer")
"""Where Debian installs it (not on a non-root user's PATH)."""
DATABASE = "app"
"""The name clients connect to."""
POOL_SIZE = 4
"""Server connections per database and user: far fewer than the clients, so they are shared."""
STATEMENT_TIMEOUT_MS = 5000
"""Set on every server connection (the app's own `options` does not get through, see below)."""


def binary() -> str | None:
    """The pgbouncer executable, or None."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return str(DEBIAN_BINARY) if DEBIAN_BINARY.exists() else None


def version() -> tuple[int, int]:
    """The installed PgBouncer's (major, minor), from `pgbouncer --version`."""
    path = binary()
    assert path is not None
    output = subprocess.run(  # noqa: S603 - the binary found above
        [path, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    found = re.search(r"PgBouncer (\d+)\.(\d+)", output)
    assert found is not None, output
    return int(found[1]), int(found[2])


def why_unavailable() -> str | None:
    """None when a PgBouncer can be started here, else the reason it cannot."""
    if binary() is None:
        return "no pgbouncer binary (apt-get install pgbouncer; .ci/run installs it)"
    try:
        server_user()
    except KeyError:
        return "running as root and there is no postgres user to run pgbouncer as"
    return None


class PgBouncer:
    """One pgbouncer process and its configuration, in transaction mode."""

    def __init__(
        self, directory: Path, server_url: str, *, prepared_statements: int, port: int = 0
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "pgbouncer.log"
        server = make_url(server_url)
        self.user = server.username or "postgres"
        self.config = directory / "pgbouncer.ini"
        self.config.write_text(self._config(server, prepared_statements))
        (directory / "userlist.txt").write_text(f'"{self.user}" ""\n')

    def _config(self, server: URL, prepared_statements: int) -> str:
        entry = (
            f"host={server.host or '127.0.0.1'} port={server.port or 5432} "
            f"dbname={server.database} user={self.user}"
        )
        if server.password:
            entry += f" password={server.password}"
        # The app's `options` (statement_timeout, TimeZone) is a startup parameter PgBouncer
        # refuses (1.18) or passes on only in part (1.20+): ignored, and set per server
        # connection instead, as docs/deployment.md, "PostgreSQL through PgBouncer", says.
        entry += f" timezone=UTC connect_query='SET statement_timeout = {STATEMENT_TIMEOUT_MS}'"
        lines = [
            "[databases]",
            f"{DATABASE} = {entry}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {self.directory / 'userlist.txt'}",
            "pool_mode = transaction",
            f"default_pool_size = {POOL_SIZE}",
            "max_client_conn = 500",
            "ignore_startup_parameters = options",
        ]
        if version() >= (1, 21):  # unknown before, and 1.18 refuses unknown settings
            lines.append(f"max_prepared_statements = {prepared_statements}")
        return "\n".join(lines) + "\n"

    def url(self) -> str:
        """The URL the app connects to: PgBouncer's, not the server's."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        path = binary()
        assert path is not None
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the binary found above
                [path, str(self.config)],
                user=server_user(),  # pgbouncer refuses to run as root
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url().replace("+psycopg", ""), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM): every client connection is closed, the port refuses."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def pgbouncer(
    server_url: str, *, prepared_statements: int = 0, port: int = 0
) -> Iterator[PgBouncer]:
    """A started PgBouncer in front of ``server_url``'s database, stopped afterwards;
    ``prepared_statements`` is max_prepared_statements where the version knows it (1.21+);
    ``port``: where it listens (default: a free one)."""
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    bouncer: PgBouncer | None = None
    try:
        user = server_user()
        if user is not None:
            shutil.chown(directory, user=user)
        bouncer = PgBouncer(
            directory, server_url, prepared_statements=prepared_statements, port=port
        )
        bouncer.start()
        yield bouncer
    finally:
        if bouncer is not None:
            bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)
