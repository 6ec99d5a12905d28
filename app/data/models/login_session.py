"""The login_sessions table: one row per sign-in; logout, password change, deactivation end it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.data.database import Base, UTCDateTime, utcnow


class LoginSession(Base):
    """One login and its chain of refresh-token rotations (the refresh token's family).

    Access tokens carry the session id (`sid`), so ending the session ends them too: the query
    that authenticates a request requires the session to be live. Only the refresh token whose
    jti is `refresh_jti` may be redeemed; any older one of the session is a reuse.
    """

    __tablename__ = "login_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    refresh_jti: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
