"""Refresh tokens: remembering issued tokens so they can be rotated and revoked."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.models import RefreshToken


class RefreshTokenRepository:
    """Reads and writes refresh tokens; flushes, never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, jti: uuid.UUID, family_id: uuid.UUID, user_id: uuid.UUID, expires_at: dt.datetime
    ) -> None:
        """Remember a newly issued token."""
        self.session.add(
            RefreshToken(jti=jti, family_id=family_id, user_id=user_id, expires_at=expires_at)
        )
        await self.session.flush()

    async def get(self, jti: uuid.UUID) -> RefreshToken | None:
        """The token, locked for the rest of the transaction so a rotation happens once."""
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.jti == jti).with_for_update()
        )

    async def mark_used(self, token: RefreshToken) -> None:
        """Record that the token was exchanged for a new pair."""
        token.used_at = utcnow()
        await self.session.flush()

    async def revoke_family(self, family_id: uuid.UUID) -> None:
        """Revoke every token of one login."""
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    async def revoke_user(self, user_id: uuid.UUID) -> None:
        """Revoke every token of a user (password change)."""
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
