"""The memberships table: a user's role in an organization."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, utcnow
from app.data.models.versioning import version_column


class Membership(Base):
    """One user in one organization, as owner, admin or member."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
        Index("ix_memberships_organization_id_role_user_id", "organization_id", "role", "user_id"),
        Index(
            "ix_memberships_organization_id_joined_at_user_id",
            "organization_id",
            "joined_at",
            "user_id",
        ),
        Index(
            "ix_memberships_organization_id_role_joined_at_user_id",
            "organization_id",
            "role",
            "joined_at",
            "user_id",
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper
