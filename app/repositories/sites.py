"""Sites: all SQL about the sites table. Every query is scoped to one organization.

The organization's per-status counts (site_counters) change in the same transaction as every
insert, status change and delete here, so meta.total is exact without counting the rows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from app.models import Site, SiteCounter
from app.pagination import Page
from app.repositories.base import Repository, table_of
from app.repositories.paging import Listing, Query, Slice, fetch_page
from app.repositories.search import SEARCH_PARAMETER, contains, like_pattern

SITE_SORTS = {"name": Site.name, "status": Site.status, "created_at": Site.created_at}
SITE_COLUMNS = (
    Site.id,
    Site.organization_id,
    Site.name,
    Site.address,
    Site.timezone,
    Site.status,
    Site.created_at,
    Site.updated_at,
)
"""What the API shows of a site, read as plain rows."""
_sites, _counters = table_of(Site), table_of(SiteCounter)
SITE_ROW = select(*(_sites.c[column.key] for column in SITE_COLUMNS)).where(
    _sites.c.organization_id == bindparam("org_id"), _sites.c.id == bindparam("site_id")
)
"""One site of one organization as a plain row; built once, bound per request."""
SITE_TOTAL = select(func.coalesce(func.sum(_counters.c.sites), 0)).where(
    _counters.c.organization_id == bindparam("org_id")
)
SITE_TOTAL_WITH_STATUS = SITE_TOTAL.where(_counters.c.status == bindparam("status"))


def _listed(filters: frozenset[str]) -> Query:
    """The sites of :org_id matching the given filters (:q, :status)."""
    query = select(*SITE_COLUMNS).where(Site.organization_id == bindparam("org_id"))
    if SEARCH_PARAMETER in filters:
        query = query.where(contains(Site.name) | contains(Site.address))
    if "status" in filters:
        query = query.where(Site.status == bindparam("status"))
    return query


def _counted(filters: frozenset[str]) -> Query | None:
    """The total from the kept counters, unless a search needs its matches counted."""
    if SEARCH_PARAMETER in filters:
        return None
    return SITE_TOTAL_WITH_STATUS if "status" in filters else SITE_TOTAL


SITE_LISTING = Listing(_listed, SITE_SORTS, Site.id, _counted)


class SiteRepository(Repository[Site]):
    """Reads and writes the sites of one organization at a time; flushes, never commits."""

    async def get(self, org_id: uuid.UUID, site_id: uuid.UUID) -> Site | None:
        """The site, only if it belongs to the organization."""
        return await self.session.scalar(
            select(Site).where(Site.organization_id == org_id, Site.id == site_id)
        )

    async def row(self, org_id: uuid.UUID, site_id: uuid.UUID) -> dict[str, Any] | None:
        """The site as a plain row keyed by the API's field names, only if it belongs to the
        organization (for reading; `get` loads it for a change)."""
        return await self.reader.first(SITE_ROW, {"org_id": org_id, "site_id": site_id})

    async def add(self, row: Site) -> Site:
        """Insert a site and count it."""
        site = await super().add(row)
        await self._count(site.organization_id, site.status, 1)
        return site

    async def save(self, row: Site) -> Site:
        """Flush changes to a site, moving it between status counts when its status changed."""
        history = inspect(row).attrs.status.history
        site = await super().save(row)
        if history.deleted and history.added and history.deleted[0] != history.added[0]:
            await self._count(site.organization_id, history.deleted[0], -1)
            await self._count(site.organization_id, history.added[0], 1)
        return site

    async def delete(self, row: Site) -> None:
        """Delete a site and uncount it."""
        org_id, status = row.organization_id, row.status
        await super().delete(row)
        await self._count(org_id, status, -1)

    async def _count(self, org_id: uuid.UUID, status: str, delta: int) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(SiteCounter).values(organization_id=org_id, status=status, sites=delta)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SiteCounter.organization_id, SiteCounter.status],
                set_={"sites": SiteCounter.sites + delta},
            )
        )

    async def total(self, org_id: uuid.UUID, status: str | None) -> int:
        """How many sites the organization has (with this status), from the counters."""
        filters: dict[str, Any] = {"org_id": org_id}
        if status is not None:
            filters["status"] = status
        return await SITE_LISTING.count(self.reader, filters)

    async def search(
        self,
        org_id: uuid.UUID,
        *,
        q: str | None,
        status: str | None,
        sort: str,
        window: Slice,
    ) -> Page[object]:
        """The organization's sites matching the filters, one page of plain rows."""
        filters: dict[str, Any] = {"org_id": org_id}
        if q is not None:
            filters[SEARCH_PARAMETER] = like_pattern(q)
        if status is not None:
            filters["status"] = status
        return await fetch_page(
            self.reader,
            SITE_LISTING,
            filters=filters,
            sort=sort,
            scope={"sort": sort, "q": q, "status": status},
            window=window,
        )
