"""Where every part of the cluster listens and what each instance is told: one place, so the
supervisor, the tests and the docs agree."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
PGBOUNCER_TEMPLATE = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"
INSTANCES = 3
WORKERS = 2
PGBOUNCER_DATABASE = "orgsites"
"""The database name the instances use in DATABASE_URL (PgBouncer's, not PostgreSQL's)."""
SERVE_ARGUMENTS = (
    "-m",
    "uvicorn",
    "app.main:app",
    "--host",
    "127.0.0.1",
    "--no-proxy-headers",
    "--no-server-header",
    "--http",
    "app.edge.server_protocol:BoundedHeadProtocol",
    "--timeout-graceful-shutdown",
    "20",
)
"""The image's command (Dockerfile), bound to loopback; the port is added per instance."""


@dataclass(frozen=True)
class Ports:
    """Every port of one cluster, from a base (24000 by default: 24000-24999 is the range this
    machine gives the cluster)."""

    base: int = 24000

    @property
    def haproxy(self) -> int:
        return self.base + 80

    @property
    def haproxy_stats(self) -> int:
        return self.base + 81

    @property
    def pgbouncer(self) -> int:
        return self.base + 432

    @property
    def own_pgbouncer(self) -> int:
        """A PgBouncer in front of the same PostgreSQL for one instance alone (a sidecar), which
        a test stops to cut that instance's database and no other's."""
        return self.base + 433

    @property
    def redis(self) -> int:
        return self.base + 379

    @property
    def postgres(self) -> int:
        """A private PostgreSQL's, where tests start one (make cluster uses a given URL)."""
        return self.base + 532

    def instance(self, number: int) -> int:
        """Instance 1, 2, 3 listen on base+101, +102, +103."""
        return self.base + 100 + number


@dataclass(frozen=True)
class Credentials:
    """Secrets every instance shares (tokens signed by one are verified by the others); new for
    every cluster unless given."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    metrics_token: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    admin_email: str = "admin@example.com"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))


@dataclass(frozen=True)
class Layout:
    """One cluster: its ports, its database, its run directory and its settings."""

    database_url: str
    """PostgreSQL itself (migrations run here; PgBouncer points here)."""
    run_dir: Path
    ports: Ports = Ports()
    credentials: Credentials = field(default_factory=Credentials)
    extra_env: dict[str, str] = field(default_factory=dict)
    """Settings added to every instance's (tests choose their rate limits here)."""

    @property
    def url(self) -> str:
        """What clients use: HAProxy."""
        return f"http://127.0.0.1:{self.ports.haproxy}"

    def instance_url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.ports.instance(number)}"

    @property
    def pgbouncer_url(self) -> str:
        user = make_url(self.database_url).username or "postgres"
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.ports.pgbouncer}/{PGBOUNCER_DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    def instance_env(self, number: int) -> dict[str, str]:
        """The settings of instance ``number``: production mode, through PgBouncer without
        prepared statements, limits shared in Redis, metrics across its two workers."""
        return {
            "APP_ENV": "production",
            "SECRET_KEY": self.credentials.secret_key,
            "METRICS_TOKEN": self.credentials.metrics_token,
            "FIRST_SUPERUSER_EMAIL": self.credentials.admin_email,
            "FIRST_SUPERUSER_PASSWORD": self.credentials.admin_password,
            "DATABASE_URL": self.pgbouncer_url,
            "DB_PREPARED_STATEMENTS": "false",
            "DB_POOL_SIZE": "3",
            "DB_MAX_OVERFLOW": "2",
            "REDIS_URL": self.redis_url,
            "WEB_CONCURRENCY": str(WORKERS),
            "PROMETHEUS_MULTIPROC_DIR": str(self.run_dir / f"metrics-{number}"),
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        } | self.extra_env

    def haproxy_env(self) -> dict[str, str]:
        """The variables deploy/haproxy/haproxy.cfg expands."""
        env = {
            "HAPROXY_BIND": f"127.0.0.1:{self.ports.haproxy}",
            "HAPROXY_STATS_BIND": f"127.0.0.1:{self.ports.haproxy_stats}",
            "HAPROXY_STATS_SOCKET": str(self.stats_socket),
        }
        for number in range(1, INSTANCES + 1):
            env[f"ORGSITES_API_{number}"] = f"127.0.0.1:{self.ports.instance(number)}"
        return env

    @property
    def stats_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"

    def pgbouncer_values(self, port: int | None = None) -> dict[str, str]:
        """The placeholders of deploy/pgbouncer/pgbouncer.ini (for one listening on ``port``,
        the cluster's by default)."""
        server = make_url(self.database_url)
        return {
            "PGBOUNCER_DATABASE": PGBOUNCER_DATABASE,
            "POSTGRES_HOST": server.host or "127.0.0.1",
            "POSTGRES_PORT": str(server.port or 5432),
            "POSTGRES_DATABASE": server.database or "postgres",
            "PGBOUNCER_LISTEN_ADDR": "127.0.0.1",
            "PGBOUNCER_LISTEN_PORT": str(port or self.ports.pgbouncer),
            "PGBOUNCER_AUTH_TYPE": "trust",
            "PGBOUNCER_AUTH_FILE": str(self.run_dir / "userlist.txt"),
            "PGBOUNCER_POOL_SIZE": "10",
        }
