"""Sites: all SQL about the sites table. Every query is scoped to one organization."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.models import Site
from app.pagination import Page
from app.repositories.base import Repository
from app.repositories.paging import order_by, paginate

SITE_SORTS = {"name": Site.name, "status": Site.status, "created_at": Site.created_at}


class SiteRepository(Repository[Site]):
    """Reads and writes the sites of one organization at a time; flushes, never commits."""

    async def get(self, org_id: uuid.UUID, site_id: uuid.UUID) -> Site | None:
        """The site, only if it belongs to the organization."""
        return await self.session.scalar(
            select(Site).where(Site.organization_id == org_id, Site.id == site_id)
        )

    async def search(
        self,
        org_id: uuid.UUID,
        *,
        q: str | None,
        status: str | None,
        sort: str,
        page: int,
        per_page: int,
    ) -> Page[Site]:
        """The organization's sites matching the filters, one page."""
        query = select(Site).where(Site.organization_id == org_id)
        if q is not None:
            query = query.where(
                Site.name.icontains(q, autoescape=True) | Site.address.icontains(q, autoescape=True)
            )
        if status is not None:
            query = query.where(Site.status == status)
        query = query.order_by(*order_by(sort, SITE_SORTS, Site.id))
        return await paginate(self.session, query, page=page, per_page=per_page)
