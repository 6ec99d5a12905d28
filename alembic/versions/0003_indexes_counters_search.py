"""Data access at scale: sort indexes ending with the id, per-status site counters and trigram
search indexes (pg_trgm, PostgreSQL only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLACED = {
    # table: (old indexes and their columns, new indexes and their columns)
    "sites": (
        {
            "ix_sites_organization_id_name": ["organization_id", "name"],
            "ix_sites_organization_id_status": ["organization_id", "status"],
            "ix_sites_organization_id_created_at": ["organization_id", "created_at"],
        },
        {
            "ix_sites_organization_id_name_id": ["organization_id", "name", "id"],
            "ix_sites_organization_id_status_id": ["organization_id", "status", "id"],
            "ix_sites_organization_id_created_at_id": ["organization_id", "created_at", "id"],
            "ix_sites_organization_id_status_name_id": ["organization_id", "status", "name", "id"],
            "ix_sites_organization_id_status_created_at_id": [
                "organization_id",
                "status",
                "created_at",
                "id",
            ],
        },
    ),
    "users": (
        {
            "ix_users_created_at": ["created_at"],
            "ix_users_full_name": ["full_name"],
            "ix_users_is_active": ["is_active"],
        },
        {
            "ix_users_created_at_id": ["created_at", "id"],
            "ix_users_full_name_id": ["full_name", "id"],
            "ix_users_is_active_created_at_id": ["is_active", "created_at", "id"],
            "ix_users_is_active_full_name_id": ["is_active", "full_name", "id"],
            "ix_users_is_active_email": ["is_active", "email"],
        },
    ),
    "organizations": (
        {
            "ix_organizations_name": ["name"],
            "ix_organizations_created_at": ["created_at"],
        },
        {
            "ix_organizations_name_id": ["name", "id"],
            "ix_organizations_created_at_id": ["created_at", "id"],
        },
    ),
    "memberships": (
        {
            "ix_memberships_organization_id_role": ["organization_id", "role"],
            "ix_memberships_organization_id_joined_at": ["organization_id", "joined_at"],
        },
        {
            "ix_memberships_organization_id_role_user_id": ["organization_id", "role", "user_id"],
            "ix_memberships_organization_id_joined_at_user_id": [
                "organization_id",
                "joined_at",
                "user_id",
            ],
            "ix_memberships_organization_id_role_joined_at_user_id": [
                "organization_id",
                "role",
                "joined_at",
                "user_id",
            ],
        },
    ),
}

SEARCHED = {
    "sites": ["name", "address"],
    "users": ["email", "full_name"],
    "organizations": ["name", "slug"],
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table, (old, new) in REPLACED.items():
        for name, columns in new.items():
            op.create_index(name, table, columns, unique=False)
        for name in old:
            op.drop_index(name, table_name=table)

    op.create_table(
        "site_counters",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_site_counters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "status", name=op.f("pk_site_counters")),
    )
    op.execute(
        "INSERT INTO site_counters (organization_id, status, sites) "
        "SELECT organization_id, status, count(*) FROM sites GROUP BY organization_id, status"
    )

    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in SEARCHED.items():
            for column in columns:
                op.create_index(
                    f"ix_{table}_{column}_trgm",
                    table,
                    [column],
                    unique=False,
                    postgresql_using="gin",
                    postgresql_ops={column: "gin_trgm_ops"},
                )


def downgrade() -> None:
    if _postgresql():
        for table, columns in SEARCHED.items():
            for column in columns:
                op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    op.drop_table("site_counters")
    for table, (old, new) in REPLACED.items():
        for name, columns in old.items():
            op.create_index(name, table, columns, unique=False)
        for name in new:
            op.drop_index(name, table_name=table)
