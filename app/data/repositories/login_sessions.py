"""Login sessions: opening, rotating and ending them, and the one query that authenticates a call.

Every change is a single conditional statement, so it holds under concurrent requests on every
database without reading first: of 20 concurrent redemptions of one refresh token exactly one
UPDATE matches `refresh_jti = :jti` (PostgreSQL re-checks the condition after the row lock is
released; SQLite runs writing transactions one at a time).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, exists, select, update

from app.data.database import utcnow
from app.data.models import LoginSession, Membership, Organization, User
from app.data.repositories.base import Store, table_of
from app.data.repositories.idempotency_keys import Claim, Record, claim_columns, claim_outcome
from app.domain.rbac import ROLE_NAMED, Role


class Caller(NamedTuple):
    """Who is calling, as the database says on this request."""

    user_id: uuid.UUID
    email: str
    is_superadmin: bool
    role: Role | None
    """The caller's role in the organization asked about; None for non-members."""
    organization_exists: bool
    """Whether that organization exists; only looked up for superadmins (False otherwise)."""


_sessions, _users = table_of(LoginSession), table_of(User)
_memberships, _organizations = table_of(Membership), table_of(Organization)

CALLER = (
    select(_users.c.id, _users.c.email, _users.c.is_superadmin)
    .select_from(_sessions.join(_users, _users.c.id == _sessions.c.user_id))
    .where(
        _sessions.c.id == bindparam("session_id"),
        _sessions.c.user_id == bindparam("user_id"),
        _sessions.c.revoked_at.is_(None),
        _users.c.is_active.is_(True),
    )
)
"""The caller of a request: built once, so each request only binds its values."""
CALLER_IN_ORGANIZATION = CALLER.add_columns(
    select(_memberships.c.role)
    .where(
        _memberships.c.organization_id == bindparam("org_id"),
        _memberships.c.user_id == _users.c.id,
    )
    .scalar_subquery(),
    case(
        (
            _users.c.is_superadmin.is_(True),
            exists().where(_organizations.c.id == bindparam("org_id")),
        ),
        else_=False,
    ),
)
"""The caller with their role in the {org_id} organization, and whether it exists (looked up
for superadmins only)."""
CALLER_COLUMNS = ("user_id", "email", "is_superadmin", "role", "organization_exists")
"""What the caller check of a read (app.data.guarded) yields, in this order."""


def _caller_check() -> Select[Any]:
    """The caller with their role in :caller_org_id (NULL: no organization) and whether it
    exists, every column labelled ``caller_<name>`` and every parameter named ``caller_<name>``,
    so the check can be joined to any repository statement without a clash of names."""
    org_id = bindparam("caller_org_id", type_=_memberships.c.organization_id.type)
    role = (
        select(_memberships.c.role)
        .where(_memberships.c.organization_id == org_id, _memberships.c.user_id == _users.c.id)
        .scalar_subquery()
    )
    exists_for_superadmin = case(
        (_users.c.is_superadmin.is_(True), exists().where(_organizations.c.id == org_id)),
        else_=False,
    )
    columns = (_users.c.id, _users.c.email, _users.c.is_superadmin, role, exists_for_superadmin)
    return (
        select(*(c.label(f"caller_{n}") for c, n in zip(columns, CALLER_COLUMNS, strict=True)))
        .select_from(_sessions.join(_users, _users.c.id == _sessions.c.user_id))
        .where(
            _sessions.c.id == bindparam("caller_session_id", type_=_sessions.c.id.type),
            _sessions.c.user_id == bindparam("caller_user_id", type_=_sessions.c.user_id.type),
            _sessions.c.revoked_at.is_(None),
            _users.c.is_active.is_(True),
        )
    )


CALLER_CHECK = _caller_check()
"""The caller query of a read whose check is deferred to its first statement (app.data.guarded):
one row for a live session of an active user, none otherwise."""


def caller_of(row: Mapping[str, Any] | None) -> Caller | None:
    """The Caller a row of CALLER_CHECK describes (None: no live session of an active user)."""
    if row is None or row["caller_user_id"] is None:
        return None
    role = row["caller_role"]
    return Caller(
        row["caller_user_id"],
        row["caller_email"],
        bool(row["caller_is_superadmin"]),
        ROLE_NAMED[role] if role else None,
        bool(row["caller_organization_exists"]),
    )


OPEN_SESSION = (
    _sessions.insert()
    .from_select(
        ["id", "user_id", "refresh_jti", "created_at"],
        select(
            bindparam("session_id", type_=_sessions.c.id.type),
            _users.c.id,
            bindparam("refresh_jti", type_=_sessions.c.refresh_jti.type),
            bindparam("created_at", type_=_sessions.c.created_at.type),
        ).where(
            _users.c.id == bindparam("user_id"),
            _users.c.is_active.is_(True),
            _users.c.password_hash == bindparam("password_hash"),
        ),
    )
    .returning(_sessions.c.id)
)
"""A new session of a user who is active and has the password hash a sign-in verified."""


def _caller_of(values: tuple[Any, ...]) -> Caller:
    user_id, email, is_superadmin, *organization = values
    role, organization_exists = organization or (None, False)
    return Caller(
        user_id, email, is_superadmin, ROLE_NAMED[role] if role else None, bool(organization_exists)
    )


class LoginSessionRepository(Store):
    """Reads and writes login sessions; never commits."""

    async def caller(
        self, session_id: uuid.UUID, user_id: uuid.UUID, org_id: uuid.UUID | None
    ) -> Caller | None:
        """The active user of a live session, with their role in org_id when given: one query.

        None when the session was ended (logout, password change, deactivation) or never
        existed, or the user is inactive or gone.
        """
        params = {"session_id": session_id, "user_id": user_id}
        if org_id is None:
            row = await self.reader.first(CALLER, params)
        else:
            params["org_id"] = org_id
            row = await self.reader.first(CALLER_IN_ORGANIZATION, params)
        return None if row is None else _caller_of(tuple(row.values()))

    async def caller_claiming(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        org_id: uuid.UUID | None,
        claim: dict[str, Any],
    ) -> tuple[Caller | None, tuple[Claim, Record | None] | None]:
        """`caller`, and on PostgreSQL the Idempotency-Key claim of the write (values of
        `claim_values`) in the same statement: one round trip for both. The claim's outcome is
        None where it is not folded (SQLite, embedded: the caller claims it on its own). The
        caller decides with the caller check first; a refused request rolls the claim back."""
        if not self.on_postgresql:
            return await self.caller(session_id, user_id, org_id), None
        params = {"session_id": session_id, "user_id": user_id}
        statement = CALLER if org_id is None else CALLER_IN_ORGANIZATION
        if org_id is not None:
            params["org_id"] = org_id
        columns = claim_columns(claim)
        row = await self.reader.first(statement.add_columns(*columns), params)
        if row is None:
            return None, None
        return _caller_of(tuple(row.values())[: -len(columns)]), claim_outcome(row)

    async def open(self, session_id: uuid.UUID, user_id: uuid.UUID, refresh_jti: uuid.UUID) -> None:
        """Start a session whose first refresh token is refresh_jti."""
        self.session.add(LoginSession(id=session_id, user_id=user_id, refresh_jti=refresh_jti))
        await self.session.flush()

    async def open_if_unchanged(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        refresh_jti: uuid.UUID,
        *,
        password_hash: str,
    ) -> bool:
        """Start a session whose first refresh token is refresh_jti, in one conditional INSERT:
        only while the user exists, is active and still has the password hash the sign-in
        verified (it was read before hashing, on a connection since handed back). False when
        any of that changed in between."""
        opened = await self.session.scalar(
            OPEN_SESSION,
            {
                "session_id": session_id,
                "user_id": user_id,
                "refresh_jti": refresh_jti,
                "created_at": utcnow(),
                "password_hash": password_hash,
            },
        )
        return opened is not None

    async def rotate(
        self, session_id: uuid.UUID, user_id: uuid.UUID, jti: uuid.UUID, next_jti: uuid.UUID
    ) -> bool:
        """Redeem refresh token jti for next_jti; False unless jti is the session's current token,
        the session is live and its user active."""
        rotated = await self.session.scalar(
            update(LoginSession)
            .where(
                LoginSession.id == session_id,
                LoginSession.user_id == user_id,
                LoginSession.refresh_jti == jti,
                LoginSession.revoked_at.is_(None),
                exists().where(User.id == LoginSession.user_id, User.is_active.is_(True)),
            )
            .values(refresh_jti=next_jti, refreshed_at=utcnow())
            .returning(LoginSession.id)
            .execution_options(synchronize_session=False)
        )
        return rotated is not None

    async def get(self, session_id: uuid.UUID) -> LoginSession | None:
        """The session, live or ended."""
        return await self.session.get(LoginSession, session_id)

    async def end(
        self, session_id: uuid.UUID, *, user_id: uuid.UUID, refresh_jti: uuid.UUID | None = None
    ) -> None:
        """End a live session (only while refresh_jti, when given, is its current token)."""
        query = update(LoginSession).where(
            LoginSession.id == session_id,
            LoginSession.user_id == user_id,
            LoginSession.revoked_at.is_(None),
        )
        if refresh_jti is not None:
            query = query.where(LoginSession.refresh_jti == refresh_jti)
        await self.session.execute(
            query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
        )

    async def end_all(self, user_id: uuid.UUID) -> None:
        """End every live session of the user (password change, deactivation)."""
        await self.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
