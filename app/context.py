"""What a handler knows about the request it serves, without any HTTP types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotAuthenticated
from app.rbac import Role


@dataclass(frozen=True)
class Principal:
    """The signed-in user, as read from the database on this request."""

    user_id: uuid.UUID
    email: str
    is_superadmin: bool


@dataclass
class RequestContext:
    """The unit of work (session), the caller and, for organization routes, the caller's role."""

    session: AsyncSession
    request_id: str
    principal: Principal | None = None
    role: Role | None = None

    @property
    def user(self) -> Principal:
        """The caller; only called by operations that require authentication."""
        if self.principal is None:
            raise NotAuthenticated()
        return self.principal

    async def commit(self) -> None:
        """Commit the unit of work; the generated route calls this before responding."""
        await self.session.commit()
