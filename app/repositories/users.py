"""Users: all SQL about the users table."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.models import User
from app.pagination import Page
from app.repositories.base import Repository
from app.repositories.paging import order_by, paginate

USER_SORTS = {"email": User.email, "full_name": User.full_name, "created_at": User.created_at}


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively; they are stored lowercased."""
    return email.strip().lower()


class UserRepository(Repository[User]):
    """Reads and writes users; flushes, never commits."""

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with this id."""
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email, compared case-insensitively."""
        return await self.session.scalar(select(User).where(User.email == normalize_email(email)))

    async def search(
        self, *, q: str | None, is_active: bool | None, sort: str, page: int, per_page: int
    ) -> Page[User]:
        """Users matching the filters, one page."""
        query = select(User)
        if q is not None:
            query = query.where(
                User.email.icontains(q, autoescape=True)
                | User.full_name.icontains(q, autoescape=True)
            )
        if is_active is not None:
            query = query.where(User.is_active.is_(is_active))
        query = query.order_by(*order_by(sort, USER_SORTS, User.id))
        return await paginate(self.session, query, page=page, per_page=per_page)

    async def count_active_superadmins(self) -> int:
        """How many active superadmins exist, locking them so concurrent demotions serialize."""
        ids = await self.session.scalars(
            select(User.id)
            .where(User.is_superadmin.is_(True), User.is_active.is_(True))
            .with_for_update()
        )
        return len(list(ids))
