"""The users table."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, same_as_created_at, utcnow
from app.data.models.search_index import trigram_index
from app.data.models.versioning import version_column


class User(Base):
    """A person who can sign in; emails are stored in their canonical form (app.domain.emails),
    unique."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ix_users_full_name_id", "full_name", "id"),
        Index("ix_users_is_active_created_at_id", "is_active", "created_at", "id"),
        Index("ix_users_is_active_full_name_id", "is_active", "full_name", "id"),
        Index("ix_users_is_active_email", "is_active", "email"),
        trigram_index("users", "email"),
        trigram_index("users", "full_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_superadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=same_as_created_at, onupdate=utcnow
    )
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper
