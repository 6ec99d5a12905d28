"""The cluster's parts as supervised processes: Redis, PgBouncer, HAProxy and the API instances,
each started from its committed configuration and waited for until it serves."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import string
import sys
from pathlib import Path

import httpx
import psycopg

from scripts.cluster.layout import (
    HAPROXY_CONFIG,
    PGBOUNCER_TEMPLATE,
    ROOT,
    SERVE_ARGUMENTS,
    Layout,
)
from scripts.cluster.process import Process

BASE_ENV = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}


def find_tool(name: str) -> str:
    """A Debian tool's path (PgBouncer and HAProxy live in /usr/sbin, off a user's PATH)."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )
    if found is None:
        raise RuntimeError(f"{name} is not installed: apt-get install {name} (see .ci/run)")
    return found


def unprivileged_user() -> str | None:
    """PgBouncer refuses to run as root: as root, run it as `postgres`."""
    if os.geteuid() != 0:
        return None
    pwd.getpwnam("postgres")
    return "postgres"


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def redis(layout: Layout) -> Process:
    """A private Redis: no persistence, loopback only."""
    return Process(
        "redis",
        [
            find_tool("redis-server"),
            "--port",
            str(layout.ports.redis),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(layout.run_dir),
        ],
        layout.run_dir / "redis.log",
    )


def render_pgbouncer(layout: Layout, name: str, port: int | None) -> Path:
    """deploy/pgbouncer/pgbouncer.ini with its placeholders filled in, and a userlist."""
    values = layout.pgbouncer_values(port)
    rendered = string.Template(PGBOUNCER_TEMPLATE.read_text()).substitute(values)
    config = layout.run_dir / f"{name}.ini"
    config.write_text(rendered)
    (layout.run_dir / "userlist.txt").write_text('"postgres" ""\n')
    return config


def pgbouncer(layout: Layout, *, name: str = "pgbouncer", port: int | None = None) -> Process:
    """The cluster's PgBouncer, or another one (``name``, on ``port``) in front of the same
    PostgreSQL: a test gives one instance a database path of its own to cut."""
    return Process(
        name,
        [find_tool("pgbouncer"), str(render_pgbouncer(layout, name, port))],
        layout.run_dir / f"{name}.log",
        user=unprivileged_user(),
    )


def pgbouncer_serves(layout: Layout) -> bool:
    try:
        url = layout.pgbouncer_url.replace("+psycopg", "")
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def haproxy(layout: Layout) -> Process:
    """HAProxy in the foreground (-db) on deploy/haproxy/haproxy.cfg, configured by the
    environment."""
    return Process(
        "haproxy",
        [find_tool("haproxy"), "-db", "-f", str(HAPROXY_CONFIG)],
        layout.run_dir / "haproxy.log",
        env=BASE_ENV | layout.haproxy_env(),
    )


def instance(
    layout: Layout, number: int, *, code: Path = ROOT, env: dict[str, str] | None = None
) -> Process:
    """API instance ``number``: the image's command, 2 workers, from the checkout ``code`` (another
    checkout serves another version of the app), its settings changed by ``env``. Its metrics
    directory is kept across restarts, as a pod's emptyDir is across its container's."""
    settings = layout.instance_env(number) | (env or {})
    metrics = Path(settings["PROMETHEUS_MULTIPROC_DIR"])
    metrics.mkdir(exist_ok=True)
    return Process(
        f"api{number}",
        [sys.executable, *SERVE_ARGUMENTS, "--port", str(layout.ports.instance(number))],
        layout.run_dir / f"api{number}.log",
        env=BASE_ENV | settings,
        cwd=code,
    )


def instance_ready(layout: Layout, number: int) -> bool:
    try:
        answer = httpx.get(f"{layout.instance_url(number)}/health/ready", timeout=5)
    except httpx.TransportError:
        return False
    return answer.status_code == 200
