"""The sites table."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, same_as_created_at, utcnow
from app.data.models.search_index import trigram_index
from app.data.models.versioning import version_column


class Site(Base):
    """A physical place of an organization."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'inactive', 'archived')", name="status"),
        Index("ix_sites_organization_id_name_id", "organization_id", "name", "id"),
        Index("ix_sites_organization_id_status_id", "organization_id", "status", "id"),
        Index("ix_sites_organization_id_created_at_id", "organization_id", "created_at", "id"),
        Index("ix_sites_organization_id_status_name_id", "organization_id", "status", "name", "id"),
        Index(
            "ix_sites_organization_id_status_created_at_id",
            "organization_id",
            "status",
            "created_at",
            "id",
        ),
        trigram_index("sites", "name"),
        trigram_index("sites", "address"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    """ISO 3166-1 alpha-2 (v2 only; null for a site created through v1 and never given one)."""
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=same_as_created_at, onupdate=utcnow
    )
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper
