"""The idempotency_keys table: one row per (caller, operation, Idempotency-Key).

Claimed in the request's own transaction before its handler runs and completed with the answer
in the same transaction (app.contract.idempotency), so a write and its record commit or roll
back together. `status` is NULL only inside that transaction; committed rows always hold the
answer. Rows older than IDEMPOTENCY_KEY_TTL_HOURS are deleted by the sweep
(app.data.repositories.idempotency_keys).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """The first answer to a keyed request, replayed to its retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    caller: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
