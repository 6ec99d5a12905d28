"""Users: the caller's own profile (getCurrentUser, updateCurrentUser) and user administration
(listUsers, createUser, getUser, updateUser, deleteUser)."""

from __future__ import annotations

import uuid
from typing import Literal

from app.access.passwords import PasswordHasher
from app.contract.runtime import Page, RequestContext
from app.data import models as orm
from app.data.repositories.login_sessions import LoginSessionRepository
from app.data.repositories.memberships import MembershipRepository
from app.data.repositories.paging import Slice
from app.data.repositories.users import UserRepository
from app.domain.emails import canonical_email
from app.domain.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
)
from generated.v2.models import CurrentUserUpdate, User, UserCreate, UserUpdate

CALLER_GONE = "The access token's session has ended, or its user no longer exists or is inactive."
"""What a caller deleted after their request was authorized is told (as authorization would)."""


def to_user(row: orm.User) -> User:
    """The API representation of a user row (never the password hash)."""
    return User.model_validate(row, from_attributes=True)


def _no_such_user() -> NotFound:
    """The 404 of a user that does not exist."""
    return NotFound("No such user.", code="user_not_found")


async def _locked(
    ctx: RequestContext, user_id: uuid.UUID, *, with_superadmins: bool = False
) -> tuple[orm.User, int]:
    """The user locked for a change (with every active superadmin and their number when asked);
    404 when there is no such user (any more: a concurrent delete won)."""
    found = await UserRepository(ctx.unit_of_work).lock(user_id, with_superadmins=with_superadmins)
    if found is None:
        raise _no_such_user()
    return found


async def _read(ctx: RequestContext, user_id: uuid.UUID) -> User:
    row = await UserRepository(ctx.unit_of_work).row(user_id)
    if row is None:
        raise _no_such_user()
    return User.model_validate(row)


async def _require_free_email(ctx: RequestContext, email: str) -> None:
    if await UserRepository(ctx.unit_of_work).get_by_email(email) is not None:
        raise Conflict("A user with this email already exists.", code="email_taken")


def _keep_a_superadmin(user: orm.User, superadmins: int) -> None:
    """409 when the change would leave no active superadmin."""
    if user.is_superadmin and user.is_active and superadmins <= 1:
        raise Conflict("The last active superadmin cannot be removed.", code="last_superadmin")


async def _require_current_password(
    passwords: PasswordHasher, user: orm.User, current_password: str | None
) -> None:
    """A password change must be confirmed with the current password."""
    if current_password is None:
        raise InvalidInput(
            "Changing the password requires current_password.",
            errors=[FieldError("body.current_password", "Field required", "missing")],
        )
    if not await passwords.verify(current_password, user.password_hash):
        raise NotPermitted("The current password is incorrect.", code="invalid_current_password")


async def _set_password(
    ctx: RequestContext, passwords: PasswordHasher, user: orm.User, password: str
) -> None:
    """Store a new password and end every session of the user (the caller's own included)."""
    user.password_hash = await passwords.hash(password)
    await LoginSessionRepository(ctx.unit_of_work).end_all(user.id)


class UserHandlers:
    """Implements generated.v2.protocols.UsersOperations."""

    def __init__(self, passwords: PasswordHasher) -> None:
        self.passwords = passwords

    async def get_current_user(self, ctx: RequestContext) -> User:
        return await _read(ctx, (await ctx.caller()).user_id)

    async def update_current_user(self, ctx: RequestContext, *, body: CurrentUserUpdate) -> User:
        found = await UserRepository(ctx.unit_of_work).lock(ctx.user.user_id)
        if found is None:  # deleted since the request was authorized
            raise NotAuthenticated(CALLER_GONE)
        user, _ = found
        if body.full_name is not None:
            user.full_name = body.full_name
        if body.password is not None:
            await _require_current_password(self.passwords, user, body.current_password)
            await _set_password(ctx, self.passwords, user, body.password)
        return to_user(await UserRepository(ctx.unit_of_work).save(user))

    async def list_users(
        self,
        ctx: RequestContext,
        *,
        cursor: str | None,
        per_page: int,
        include_total: bool | None,
        q: str | None,
        is_active: bool | None,
        sort: Literal["email", "-email", "full_name", "-full_name", "created_at", "-created_at"],
    ) -> Page[User]:
        rows = await UserRepository(ctx.unit_of_work).search(
            q=q,
            is_active=is_active,
            sort=sort,
            window=Slice.by_cursor(cursor, per_page, include_total),
        )
        return rows.shaped_as(User)

    async def create_user(self, ctx: RequestContext, *, body: UserCreate) -> User:
        await _require_free_email(ctx, body.email)
        user = orm.User(
            email=canonical_email(body.email),
            full_name=body.full_name,
            password_hash=await self.passwords.hash(body.password),
            is_active=True if body.is_active is None else body.is_active,
            is_superadmin=bool(body.is_superadmin),
        )
        return to_user(await UserRepository(ctx.unit_of_work).add(user))

    async def get_user(self, ctx: RequestContext, *, user_id: uuid.UUID) -> User:
        return await _read(ctx, user_id)

    async def update_user(
        self, ctx: RequestContext, *, user_id: uuid.UUID, body: UserUpdate
    ) -> User:
        demoting = body.is_superadmin is False or body.is_active is False
        user, superadmins = await _locked(ctx, user_id, with_superadmins=demoting)
        if body.email is not None and canonical_email(body.email) != user.email:
            await _require_free_email(ctx, body.email)
            user.email = canonical_email(body.email)
        if demoting:
            _keep_a_superadmin(user, superadmins)
        if body.full_name is not None:
            user.full_name = body.full_name
        if body.is_active is False and user.is_active:
            # Deactivation ends every session; reactivating later does not revive them.
            await LoginSessionRepository(ctx.unit_of_work).end_all(user.id)
        if body.is_active is not None:
            user.is_active = body.is_active
        if body.is_superadmin is not None:
            user.is_superadmin = body.is_superadmin
        if body.password is not None:
            await _set_password(ctx, self.passwords, user, body.password)
        return to_user(await UserRepository(ctx.unit_of_work).save(user))

    async def delete_user(self, ctx: RequestContext, *, user_id: uuid.UUID) -> None:
        user, superadmins = await _locked(ctx, user_id, with_superadmins=True)
        _keep_a_superadmin(user, superadmins)
        if await MembershipRepository(ctx.unit_of_work).solely_owned_by(user.id):
            raise Conflict(
                "The user is the only owner of an organization; transfer ownership first.",
                code="last_owner",
            )
        if not await UserRepository(ctx.unit_of_work).remove(user_id):  # pragma: no cover
            raise _no_such_user()  # the row is locked
