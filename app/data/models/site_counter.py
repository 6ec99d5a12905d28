"""The site_counters table: how many sites each organization has per status."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base


class SiteCounter(Base):
    """The number of an organization's sites with one status, kept exact by SiteRepository in
    the same transaction as every insert, status change and delete (meta.total without a
    count of every row)."""

    __tablename__ = "site_counters"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    sites: Mapped[int] = mapped_column(Integer, default=0)
