"""Memberships: who belongs to which organization, with which role. Always scoped by org_id."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select

from app.data.models import Membership, User
from app.data.repositories.base import Repository
from app.data.repositories.paging import Listing, Query, Slice, fetch_page
from app.data.repositories.search import SEARCH_PARAMETER, contains, like_pattern
from app.domain.pagination import Page
from app.domain.rbac import Role

MEMBER_SORTS = {"email": User.email, "joined_at": Membership.joined_at, "role": Membership.role}
MEMBER_COLUMNS = (
    Membership.user_id,
    User.email,
    User.full_name,
    Membership.role,
    Membership.joined_at,
)
"""What the API shows of a member, read as plain rows."""


def _listed(filters: frozenset[str]) -> Query:
    """The members of :org_id matching the given filters (:q, :role)."""
    query = (
        select(*MEMBER_COLUMNS)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == bindparam("org_id"))
    )
    if SEARCH_PARAMETER in filters:
        query = query.where(contains(User.email) | contains(User.full_name))
    if "role" in filters:
        query = query.where(Membership.role == bindparam("role"))
    return query


MEMBER_LISTING = Listing(_listed, MEMBER_SORTS, Membership.user_id)
MEMBER_ROW = (
    _listed(frozenset())
    .add_columns(Membership.version.label("version"), User.version.label("user_version"))
    .where(Membership.user_id == bindparam("user_id"))
)
"""One member of :org_id as a plain row with its and its user's versions; built once."""


class MembershipRepository(Repository[Membership]):
    """Reads and writes the memberships of one organization at a time; flushes, never commits.

    A member shows its user's email and name, so its version token is the membership's version
    and its user's: a role change and an email change both change the member's ETag."""

    resource = "membership"

    @staticmethod
    def identity(row: Any) -> object:
        """A membership is identified by its organization and user."""
        return f"{row.organization_id}/{row.user_id}"

    async def version_of(self, row: Any) -> object:
        """`<membership version>.<user version>` (the user is usually loaded already)."""
        user = await self.session.get(User, row.user_id)
        return f"{row.version}.{user.version if user is not None else 0}"

    async def role_of(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Role | None:
        """The user's role in the organization, None when not a member."""
        role = await self.session.scalar(
            select(Membership.role).where(
                Membership.organization_id == org_id, Membership.user_id == user_id
            )
        )
        return Role(role) if role is not None else None

    async def row(self, org_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, Any] | None:
        """A member of the organization as a plain row keyed by the API's field names."""
        row = await self.reader.first(MEMBER_ROW, {"org_id": org_id, "user_id": user_id})
        if row is not None:
            version = f"{row.pop('version')}.{row.pop('user_version')}"
            self.seen("membership", f"{org_id}/{user_id}", version)
        return row

    async def search(
        self,
        org_id: uuid.UUID,
        *,
        q: str | None,
        role: Role | None,
        sort: str,
        window: Slice,
    ) -> Page[object]:
        """Members of the organization, one page of plain rows."""
        filters: dict[str, Any] = {"org_id": org_id}
        if q is not None:
            filters[SEARCH_PARAMETER] = like_pattern(q)
        if role is not None:
            filters["role"] = role.value
        return await fetch_page(
            self.reader,
            MEMBER_LISTING,
            filters=filters,
            sort=sort,
            scope={"sort": sort, "q": q, "role": role.value if role else None},
            window=window,
        )

    async def lock(
        self, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[Membership, User, int] | None:
        """A membership of this organization with its user and the organization's number of
        owners, for a change; None when there is no such member (any more).

        Locks the member's row and every owner's row of the organization in one statement, in
        user_id order (the one order every change of memberships takes them in): the owner count
        holds until the transaction ends, and a concurrent change or removal of the member waits.
        """
        rows = await self.session.scalars(
            select(Membership)
            .where(
                Membership.organization_id == org_id,
                (Membership.user_id == user_id) | (Membership.role == Role.OWNER.value),
            )
            .order_by(Membership.user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        locked = list(rows)
        membership = next((row for row in locked if row.user_id == user_id), None)
        if membership is None:
            return None
        user = await self.session.get(User, user_id)
        if user is None:  # pragma: no cover - the user's memberships go before the user
            return None
        await self.note_locked(membership)
        return membership, user, sum(row.role == Role.OWNER.value for row in locked)

    async def solely_owned_by(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        """Organizations in which this user is the only owner; locks the owners of every
        organization the user owns (in organization, then user_id order), so a concurrent
        demotion cannot slip in between."""
        owned = select(Membership.organization_id).where(
            Membership.user_id == user_id, Membership.role == Role.OWNER.value
        )
        owners = await self.session.execute(
            select(Membership.organization_id, Membership.user_id)
            .where(Membership.role == Role.OWNER.value, Membership.organization_id.in_(owned))
            .order_by(Membership.organization_id, Membership.user_id)
            .with_for_update()
        )
        counts: dict[uuid.UUID, int] = {}
        for org_id, _ in owners:
            counts[org_id] = counts.get(org_id, 0) + 1
        return [org_id for org_id, count in counts.items() if count == 1]
