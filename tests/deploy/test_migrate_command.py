"""The migrate step (compose migrate, the Kubernetes Job, `docker compose exec api alembic ...`)
run for real from the image's WORKDIR layout against a new SQLite database."""

from __future__ import annotations

from pathlib import Path

from app.data.migrations import head_revision
from tests.deploy.files import command_of, container, only, service
from tests.deploy.server import environment, run


def test_the_deployed_migrate_command_upgrades_a_new_database_to_head(tmp_path: Path) -> None:
    command = command_of(service("migrate")["command"])
    assert container(only("Job"))["args"] == command
    env = environment(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")

    upgrade = run(command, env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Running upgrade  -> " in upgrade.stderr

    current = run(["alembic", "current"], env)
    assert current.returncode == 0, current.stderr
    assert f"{head_revision()} (head)" in current.stdout

    again = run(command, env)  # what `exec api alembic upgrade head` does after the migrate step
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr


def test_the_migrate_command_refuses_production_without_a_secret_key(tmp_path: Path) -> None:
    env = environment(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}", APP_ENV="production")
    del env["SECRET_KEY"]
    result = run(command_of(service("migrate")["command"]), env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when APP_ENV=production" in result.stderr
    assert not (tmp_path / "app.db").exists()
