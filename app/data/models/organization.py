"""The organizations table."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, same_as_created_at, utcnow
from app.data.models.search_index import trigram_index
from app.data.models.versioning import version_column


class Organization(Base):
    """A tenant: members and sites belong to exactly one organization."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_organizations_name_id", "name", "id"),
        Index("ix_organizations_created_at_id", "created_at", "id"),
        trigram_index("organizations", "name"),
        trigram_index("organizations", "slug"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=same_as_created_at, onupdate=utcnow
    )
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper
