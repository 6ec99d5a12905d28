"""docker-compose.yml: the services, their order of start-up, and local-only ports."""

from __future__ import annotations

from tests.deploy.files import command_of, compose, service


def test_postgres_16_keeps_its_data_in_a_named_volume_and_reports_health() -> None:
    db = service("db")
    assert db["image"].startswith("postgres:16")
    (volume,) = db["volumes"]
    name, _, target = volume.partition(":")
    assert name in compose()["volumes"]
    assert target == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_redis_reports_health() -> None:
    redis = service("redis")
    assert redis["image"].startswith("redis:")
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_migrate_runs_once_after_the_database_is_healthy() -> None:
    migrate = service("migrate")
    assert command_of(migrate["command"]) == ["alembic", "upgrade", "head"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"


def test_api_waits_for_healthy_db_and_redis_and_a_successful_migration() -> None:
    assert service("api")["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }


def test_api_and_migrate_share_the_image_and_configuration() -> None:
    api, migrate = service("api"), service("migrate")
    for key in ("image", "build", "environment", "read_only", "cap_drop", "security_opt"):
        assert api[key] == migrate[key], key
    assert api["read_only"] is True
    assert api["cap_drop"] == ["ALL"]


def test_database_and_redis_are_the_compose_services() -> None:
    environment = service("api")["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"


def test_published_ports_are_bound_to_loopback_only() -> None:
    published = [
        port
        for definition in compose()["services"].values()
        for port in definition.get("ports", [])
    ]
    assert published
    assert all(str(port).startswith("127.0.0.1:") for port in published)


def test_api_gets_time_to_finish_requests_on_stop() -> None:
    command = command_of(service("api")["command"])
    graceful = int(command[command.index("--timeout-graceful-shutdown") + 1])
    assert int(service("api")["stop_grace_period"].removesuffix("s")) > graceful
