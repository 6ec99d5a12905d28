"""The cluster as a whole: the database created and migrated, then Redis, PgBouncer, the
instances and HAProxy started in that order; a rolling restart and a crash of one instance; all
stopped in reverse order."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from scripts.cluster import parts
from scripts.cluster.haproxy import HAProxyAdmin
from scripts.cluster.layout import INSTANCES, ROOT, Layout
from scripts.cluster.process import Process

DRAIN_TIMEOUT = 60.0
"""How long a drained instance may keep requests before it is stopped anyway."""


def ensure_database(url: str) -> None:
    """Create the database of ``url`` on its server when it does not exist."""
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{target.database}"')


def migrate(layout: Layout, *, code: Path = ROOT) -> None:
    """`alembic upgrade head` of the checkout ``code`` on PostgreSQL itself (never through
    PgBouncer: a migration is one long transaction that needs no pooling), with the instances'
    settings."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=code,
        env=parts.BASE_ENV | layout.instance_env(1) | {"DATABASE_URL": layout.database_url},
        check=True,
        timeout=300,
    )


class Cluster:
    """One cluster on ``layout``; start() brings it up, stop() takes it down."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        layout.run_dir.mkdir(parents=True, exist_ok=True)
        if parts.unprivileged_user() is not None:
            # PgBouncer (run as postgres) reads its configuration from here.
            os.chmod(layout.run_dir, 0o755)  # noqa: S103 - loopback-only run directory
        self.redis = parts.redis(layout)
        self.pgbouncer = parts.pgbouncer(layout)
        self.haproxy = parts.haproxy(layout)
        self.instances = {n: parts.instance(layout, n) for n in range(1, INSTANCES + 1)}
        self.admin = HAProxyAdmin(layout.stats_socket)

    def start(self) -> None:
        ensure_database(self.layout.database_url)
        migrate(self.layout)
        self.redis.start()
        self.redis.wait_until("a listening port", lambda: parts.accepts(self.layout.ports.redis))
        self.pgbouncer.start()
        self.pgbouncer.wait_until("a connection", lambda: parts.pgbouncer_serves(self.layout))
        # The first instance alone first: it creates the first superadmin.
        self.start_instance(1)
        for number in range(2, INSTANCES + 1):
            self.instances[number].start()
        for number in range(2, INSTANCES + 1):
            self.wait_ready(number)
        self.haproxy.start()
        self.haproxy.wait_until(
            "a listening port", lambda: parts.accepts(self.layout.ports.haproxy)
        )
        for number in self.instances:
            self.wait_in_rotation(number)

    def stop(self) -> None:
        for process in [self.haproxy, *self.instances.values(), self.pgbouncer, self.redis]:
            process.stop()

    def processes(self) -> list[Process]:
        return [self.redis, self.pgbouncer, *self.instances.values(), self.haproxy]

    def start_instance(
        self,
        number: int,
        *,
        code: Path = ROOT,
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> None:
        """Start instance ``number`` (from the checkout ``code``, its settings changed by ``env``)
        and, unless ``wait`` is false, wait until it is ready."""
        process = parts.instance(self.layout, number, code=code, env=env)
        self.instances[number] = process
        process.start()
        if wait:
            self.wait_ready(number)

    def wait_ready(self, number: int) -> None:
        self.instances[number].wait_until(
            "/health/ready answering 200", lambda: parts.instance_ready(self.layout, number)
        )

    def wait_in_rotation(self, number: int) -> None:
        """Until HAProxy's checks have found instance ``number`` UP."""
        self.haproxy.wait_until(
            f"api{number} UP", lambda: self.admin.servers()[f"api{number}"].status == "UP"
        )

    def drain(self, number: int) -> None:
        """No new requests for instance ``number``; return once those it has are answered."""
        name = f"api{number}"
        self.admin.set_state(name, "drain")
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.admin.servers()[name].current_sessions and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart_instance(self, number: int, *, code: Path = ROOT) -> None:
        """A rolling deploy's step: drain through HAProxy, SIGTERM (uvicorn finishes what is
        left), start the new one (from ``code``), back into rotation once its checks pass."""
        self.drain(number)
        status = self.instances[number].stop()
        if status not in (0, None):
            raise RuntimeError(f"api{number} exited with {status} on SIGTERM")
        self.start_instance(number, code=code)
        self.admin.set_state(f"api{number}", "ready")
        self.wait_in_rotation(number)

    def crash_instance(self, number: int) -> None:
        """kill -9 of instance ``number`` and its workers."""
        self.instances[number].kill()

    def describe(self) -> str:
        layout = self.layout
        lines = [
            f"API (HAProxy):   {layout.url}  (e.g. {layout.url}/docs)",
            f"HAProxy stats:   http://127.0.0.1:{layout.ports.haproxy_stats}/stats",
            *(
                f"instance api{n}:  {layout.instance_url(n)}  (log {layout.run_dir}/api{n}.log)"
                for n in self.instances
            ),
            f"PgBouncer:       {layout.pgbouncer_url} -> {make_url(layout.database_url)!r}",
            f"Redis:           {layout.redis_url}",
            f"superadmin:      {layout.credentials.admin_email}"
            f" / {layout.credentials.admin_password}",
            f"metrics token:   {layout.credentials.metrics_token}",
        ]
        return "\n".join(lines)
