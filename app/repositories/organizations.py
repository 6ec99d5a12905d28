"""Organizations: all SQL about the organizations table, scoped to what the caller may see."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.context import Principal
from app.models import Membership, Organization
from app.pagination import Page
from app.repositories.base import Repository
from app.repositories.paging import Slice, Sort, fetch_page
from app.repositories.search import contains

ORGANIZATION_SORTS = {
    "name": Organization.name,
    "slug": Organization.slug,
    "created_at": Organization.created_at,
}
ORGANIZATION_COLUMNS = (
    Organization.id,
    Organization.name,
    Organization.slug,
    Organization.created_at,
    Organization.updated_at,
)
"""What the API shows of an organization, read as plain rows."""


class OrganizationRepository(Repository[Organization]):
    """Reads and writes organizations; flushes, never commits."""

    async def get(self, org_id: uuid.UUID) -> Organization | None:
        """The organization with this id (callers are already authorized for it)."""
        return await self.session.get(Organization, org_id)

    async def list_visible(
        self, principal: Principal, *, q: str | None, sort: str, window: Slice
    ) -> Page[object]:
        """Organizations the principal may see, one page of plain rows."""
        query = select(*ORGANIZATION_COLUMNS)
        if not principal.is_superadmin:
            query = query.join(Membership, Membership.organization_id == Organization.id).where(
                Membership.user_id == principal.user_id
            )
        if q is not None:
            query = query.where(contains(Organization.name, q) | contains(Organization.slug, q))
        return await fetch_page(
            self.session,
            query,
            sort=Sort.parse(sort, ORGANIZATION_SORTS, Organization.id),
            scope={"sort": sort, "q": q},
            window=window,
        )

    async def slug_taken(self, slug: str, *, excluding: uuid.UUID | None = None) -> bool:
        """Whether another organization already uses this slug."""
        query = select(Organization.id).where(Organization.slug == slug)
        if excluding is not None:
            query = query.where(Organization.id != excluding)
        return await self.session.scalar(query.limit(1)) is not None

    async def slugs_like(self, base: str) -> set[str]:
        """Slugs equal to base or of the form base-N, to pick a free one."""
        rows = await self.session.scalars(
            select(Organization.slug).where(
                (Organization.slug == base)
                | Organization.slug.startswith(f"{base}-", autoescape=True)
            )
        )
        return set(rows)
