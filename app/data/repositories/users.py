"""Users: all SQL about the users table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select

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
USER_ROW = select(*USER_COLUMNS).where(User.id == bindparam("user_id"))
"""One user as a plain row; built once, bound per request."""
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

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with this id."""
        return await self.session.get(User, user_id)

    async def row(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        """The user as a plain row keyed by the API's field names (for reading)."""
        return await self.reader.first(USER_ROW, {"user_id": user_id})

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

    async def count_active_superadmins(self) -> int:
        """How many active superadmins exist, locking them so concurrent demotions serialize."""
        ids = await self.session.scalars(
            select(User.id)
            .where(User.is_superadmin.is_(True), User.is_active.is_(True))
            .with_for_update()
        )
        return len(list(ids))
