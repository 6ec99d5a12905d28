"""add site country

Expand-only (issue 20, v2): a nullable column without a default, so adding it rewrites no rows
(PostgreSQL and SQLite both add it in place) and code of the previous release, which never
names it, runs against the migrated database during a rolling deploy. v1 never writes it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:48:45.768184
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch_op:
        batch_op.drop_column("country")
