"""Users: all SQL about the users table.

A user changes under a lock on their row (FOR NO KEY UPDATE) taken before anything is read for
the change, and is deleted by one statement: a concurrent delete either waits for the change or
has won, and then the lock finds no row (404), never an UPDATE that matches nothing. User rows
are locked in one order, by id, in one statement, so two changes never wait for each other in a
cycle."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, delete, select

from app.data.models import User
from app.data.repositories.base import Repository
from app.data.repositories.paging import Listing, Query, Slice, fetch_page
from app.data.repositories.search import SEARCH_PARAMETER, contains, like_pattern
from app.domain.emails import canonical_email
from app.domain.pagination import Page

USER_SORTS = {"email": User.email, "full_name": User.full_name, "created_at": User.created_at}
USER_COLUMNS = (
    User.id,
    User.email,
    User.full_name,
    User.is_active,
    User.is_superadmin,
    User.created_at,
    User.updated_at,
)
"""What the API shows of a user, read as plain rows (never the password hash)."""
USER_ROW = select(*USER_COLUMNS, User.version).where(User.id == bindparam("user_id"))
"""One user as a plain row with its version; built once, bound per request."""
SIGN_IN_ROW = select(User.id, User.password_hash, User.is_active).where(
    User.email == bindparam("email")
)
"""What a sign-in checks of the account with an email."""


def _listed(filters: frozenset[str]) -> Query:
    """The users matching the given filters (:q, :is_active)."""
    query = select(*USER_COLUMNS)
    if SEARCH_PARAMETER in filters:
        query = query.where(contains(User.email) | contains(User.full_name))
    if "is_active" in filters:
        query = query.where(User.is_active == bindparam("is_active"))
    return query


USER_LISTING = Listing(_listed, USER_SORTS, User.id)


class UserRepository(Repository[User]):
    """Reads and writes users; flushes, never commits."""

    resource = "user"

    async def lock(
        self, user_id: uuid.UUID, *, with_superadmins: bool = False
    ) -> tuple[User, int] | None:
        """The user, locked for a change until the transaction ends (FOR NO KEY UPDATE), and the
        number of active superadmins locked with them; None when there is no such user (any
        more). with_superadmins locks every active superadmin too, in the same statement, in id
        order: for a change that may remove one, the count holds until the transaction ends."""
        chosen = User.id == user_id
        if with_superadmins:
            chosen |= User.is_superadmin.is_(True) & User.is_active.is_(True)
        rows = await self.session.scalars(
            select(User)
            .where(chosen)
            .order_by(User.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        locked = list(rows)
        user = next((row for row in locked if row.id == user_id), None)
        if user is None:
            return None
        await self.note_locked(user)
        return user, sum(row.is_superadmin and row.is_active for row in locked)

    async def remove(self, user_id: uuid.UUID) -> bool:
        """Delete the user (memberships and sessions go with them through ON DELETE CASCADE);
        False when there is no such user (any more)."""
        deleted = await self.session.scalar(
            delete(User).where(User.id == user_id).returning(User.id)
        )
        return deleted is not None

    async def row(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        """The user as a plain row keyed by the API's field names (for reading)."""
        return self.note_plain(await self.reader.first(USER_ROW, {"user_id": user_id}))

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email, in any spelling of it (emails are stored canonical)."""
        return await self.session.scalar(select(User).where(User.email == canonical_email(email)))

    async def sign_in_row(self, email: str) -> dict[str, Any] | None:
        """The id, password hash and active flag of the user with this email (any spelling)."""
        return await self.reader.first(SIGN_IN_ROW, {"email": canonical_email(email)})

    async def search(
        self, *, q: str | None, is_active: bool | None, sort: str, window: Slice
    ) -> Page[object]:
        """Users matching the filters, one page of plain rows."""
        filters: dict[str, Any] = {}
        if q is not None:
            filters[SEARCH_PARAMETER] = like_pattern(q)
        if is_active is not None:
            filters["is_active"] = is_active
        return await fetch_page(
            self.reader,
            USER_LISTING,
            filters=filters,
            sort=sort,
            scope={"sort": sort, "q": q, "is_active": is_active},
            window=window,
        )
