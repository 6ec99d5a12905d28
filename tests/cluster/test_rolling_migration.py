"""A rolling migration under load: a later release's expand-only migration (a new nullable
column, in a test-only revision of a copy of this checkout) is applied while this release's
instances serve, then each instance in turn is replaced by the new release. Neither version
answers an error, the old one stays ready on the newer schema, and every acknowledged create is
stored exactly once."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from app.data.migrations import head_revision
from scripts.cluster.layout import ROOT
from scripts.cluster.supervisor import Cluster, migrate
from tests.cluster.api import Api
from tests.cluster.conftest import MEASUREMENTS
from tests.cluster.load import Load, assert_stored_exactly_once

CLIENTS = 6
BETWEEN_STEPS = 30
COLUMN = "cluster_test_note"
REVISION = f'''"""Test-only: a nullable column on sites (an expand-only migration)."""

import sqlalchemy as sa
from alembic import op

revision = "cluster_expand"
down_revision = "{head_revision()}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("{COLUMN}", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("sites", "{COLUMN}")
'''


def later_release(directory: Path) -> Path:
    """A copy of this checkout plus one expand-only migration: the next release."""
    code = directory / "release"
    caches = shutil.ignore_patterns("__pycache__", "*_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = set(caches(folder, names))
        if Path(folder) == ROOT:  # the checkout's own state, not its code
            left_out |= {".git", "tools", "data", "build", "site", "htmlcov"}
            left_out |= {name for name in names if name.startswith(".venv")}
        return left_out

    shutil.copytree(ROOT, code, ignore=ignore)
    (code / "alembic" / "versions" / "9001_cluster_expand.py").write_text(REVISION)
    return code


def columns(database_url: str) -> set[str]:
    with psycopg.connect(database_url.replace("+psycopg", ""), connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'sites'"
        ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.timeout(900)
def test_expand_migration_while_old_instances_serve(
    cluster: Cluster, api: Api, tmp_path: Path
) -> None:
    release = later_release(tmp_path)
    with Load(api, CLIENTS) as load:
        load.wait_for_requests(BETWEEN_STEPS)
        migrate(cluster.layout, code=release)
        load.wait_for_requests(BETWEEN_STEPS)
        # The old release on the newer schema: still in rotation, still answering.
        servers = cluster.admin.servers()
        assert [servers[f"api{n}"].status for n in cluster.instances] == ["UP"] * 3
        for number in cluster.instances:
            cluster.restart_instance(number, code=release)
            load.wait_for_requests(BETWEEN_STEPS)
    assert COLUMN in columns(cluster.layout.database_url)
    MEASUREMENTS.append(
        f"rolling migration: {load.answered} answers, {len(load.failures)} failed, "
        f"{sum(len(c.acknowledged) for c in load.clients)} creates acknowledged"
    )
    assert load.failures == []
    assert_stored_exactly_once(load, cluster.layout.database_url)
