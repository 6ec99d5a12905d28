"""What a handler knows about the request it serves, without any HTTP types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotAuthenticated
from app.rbac import Role
from app.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Principal:
    """The signed-in user, as read from the database on this request."""

    user_id: uuid.UUID
    email: str
    is_superadmin: bool
    session_id: uuid.UUID
    """The login session the access token belongs to."""


@dataclass
class RequestContext:
    """The unit of work, the caller and, for organization routes, the caller's role."""

    unit_of_work: UnitOfWork
    request_id: str
    principal: Principal | None = None
    role: Role | None = None

    @property
    def session(self) -> AsyncSession:
        """The request's database session (opened on first use; never committed by handlers)."""
        return self.unit_of_work.session

    @property
    def user(self) -> Principal:
        """The caller; only called by operations that require authentication."""
        if self.principal is None:
            raise NotAuthenticated()
        return self.principal
