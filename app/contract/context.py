"""What a handler knows about the request it serves, without any HTTP types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.data.unit_of_work import UnitOfWork
from app.domain.errors import NotAuthenticated
from app.domain.principal import Principal
from app.domain.rbac import Role

if TYPE_CHECKING:
    from app.contract.idempotency import Idempotency
    from app.domain.etags import EntityTags

ADMISSION_KEY = "orgsites.admission"
"""The ASGI scope key under which the guard leaves its Admission for the route
(app.contract.runtime), which concludes the preconditions and the idempotency record."""


@dataclass(slots=True)
class Admission:
    """What the guard (app.contract.authorization) read of the request, once, typed: the
    caller, the organization the path names (None when the operation names none, or the id is
    malformed and validation answers 422) and the caller's role in it; the If-None-Match of a
    GET and the claimed Idempotency-Key of a write (If-Match goes to the unit of work's version
    ledger, where the repositories compare it). For a read whose caller check is pending
    (app.data.guarded), only the token's session is known until the handler's first statement,
    which carries the check, has run."""

    principal: Principal | None = None
    org_id: uuid.UUID | None = None
    role: Role | None = None
    if_none_match: EntityTags | None = None
    idempotency: Idempotency | None = None
    session_id: uuid.UUID | None = None
    """The login session the access token names."""


@dataclass
class RequestContext:
    """The unit of work and what the guard admitted: the caller and, for organization routes,
    the organization and the caller's role in it."""

    unit_of_work: UnitOfWork
    request_id: str
    admission: Admission = field(default_factory=Admission)

    @property
    def principal(self) -> Principal | None:
        """The caller, if authenticated."""
        return self.admission.principal

    @property
    def role(self) -> Role | None:
        """The caller's role in the path's organization, if any."""
        return self.admission.role

    @property
    def session(self) -> AsyncSession:
        """The request's database session (opened on first use; never committed by handlers)."""
        return self.unit_of_work.session

    @property
    def user(self) -> Principal:
        """The caller; only called by operations that require authentication. A read whose
        statement depends on who the caller is awaits `caller()` instead."""
        if self.admission.principal is None:
            if self.unit_of_work.pending is not None:
                raise RuntimeError("the caller check is pending: await ctx.caller()")
            raise NotAuthenticated()
        return self.admission.principal

    async def caller(self) -> Principal:
        """The caller, running the pending caller check on its own first if no statement has
        carried it yet (a read whose first statement depends on who the caller is)."""
        await self.unit_of_work.check_caller()
        return self.user
