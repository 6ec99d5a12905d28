"""What a handler knows about the request it serves, without any HTTP types."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.data.unit_of_work import UnitOfWork
from app.domain.errors import NotAuthenticated
from app.domain.principal import Principal
from app.domain.rbac import Role


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
