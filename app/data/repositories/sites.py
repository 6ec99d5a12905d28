"""Sites: all SQL about the sites table. Every query is scoped to one organization.

The organization's per-status counts (site_counters) change in the same transaction as every
insert, status change and delete here, by what the statement did (the row it inserted, the
status it locked and changed, the status its DELETE returned), so meta.total stays exact under
concurrent writes. Locks are taken in one order: the site's row, then the organization's counter
rows in status order, so two changes never wait for each other in a cycle."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.data.models import Site, SiteCounter
from app.data.repositories.base import Repository, table_of
from app.data.repositories.paging import Listing, Query, Slice, fetch_page
from app.data.repositories.search import SEARCH_PARAMETER, contains, like_pattern
from app.domain.pagination import Page

SITE_SORTS = {"name": Site.name, "status": Site.status, "created_at": Site.created_at}
SITE_COLUMNS = (
    Site.id,
    Site.organization_id,
    Site.name,
    Site.address,
    Site.timezone,
    Site.country,
    Site.status,
    Site.created_at,
    Site.updated_at,
)
"""What the API shows of a site, read as plain rows."""
_sites, _counters = table_of(Site), table_of(SiteCounter)
RESOURCE = "site"
"""The x-resource name of a site: its rows' versions are its ETags (app.data.versions)."""
SITE_ROW = select(*(_sites.c[column.key] for column in SITE_COLUMNS), _sites.c.version).where(
    _sites.c.organization_id == bindparam("org_id"), _sites.c.id == bindparam("site_id")
)
"""One site of one organization as a plain row with its version; built once, bound per request."""
SITE_ROW_LOCKED = SITE_ROW.with_for_update(key_share=True)
"""The same row, locked until the transaction ends (FOR NO KEY UPDATE)."""
SITE_KEY = (_sites.c.organization_id == bindparam("org_id")) & (_sites.c.id == bindparam("site_id"))
SITE_COLUMNS_OUT = tuple(SITE_ROW.selected_columns)
SITE_DELETE = delete(_sites).where(SITE_KEY).returning(_sites.c.status)
"""Deletes one site of one organization, saying which status it had (no row: no such site)."""
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

    async def row(self, org_id: uuid.UUID, site_id: uuid.UUID) -> dict[str, Any] | None:
        """The site as a plain row keyed by the API's field names, only if it belongs to the
        organization (for reading; `change` locks it for a change)."""
        return self._versioned(
            await self.reader.first(SITE_ROW, {"org_id": org_id, "site_id": site_id})
        )

    def _versioned(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        """The row without its version, which is noted as the site's ETag."""
        if row is not None:
            self.seen(RESOURCE, row["id"], row.pop("version"))
        return row

    async def add(self, row: Site) -> Site:
        """Insert a site and count it."""
        site = await super().add(row)
        await self._count(site.organization_id, {site.status: 1})
        self.seen(RESOURCE, site.id, site.version)
        return site

    async def save(self, row: Site) -> Site:
        """Refused: a site changes through `change`, which keeps the counts exact."""
        raise TypeError("SiteRepository.change() changes a site")

    async def delete(self, row: Site) -> None:
        """Refused: a site is deleted through `remove`, which keeps the counts exact."""
        raise TypeError("SiteRepository.remove() deletes a site")

    async def change(
        self, org_id: uuid.UUID, site_id: uuid.UUID, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Set the given columns of the site and return it as a plain row; None when the
        organization has no such site (any more). The row is locked first, so the status it
        leaves is the one a concurrent change left, and the counts move by what changed. The
        locked row's version is held to the request's If-Match before anything is written, and
        the UPDATE increments it (a change of nothing changes no version)."""
        key = {"org_id": org_id, "site_id": site_id}
        current = await self._first(SITE_ROW_LOCKED, key)
        if current is None:
            return None
        self.locked(RESOURCE, current["id"], current["version"])
        changed = {name: value for name, value in values.items() if current[name] != value}
        if not changed:
            return self._versioned(current)
        statement = (
            update(_sites)
            .where(SITE_KEY)
            .values({**changed, "version": _sites.c.version + 1})
            .returning(*SITE_COLUMNS_OUT)
        )
        row = self._versioned(await self._first(statement, key))
        if row is None:  # pragma: no cover - the row is locked
            return None
        if row["status"] != current["status"]:
            await self._count(org_id, {current["status"]: -1, row["status"]: 1})
        return row

    async def remove(self, org_id: uuid.UUID, site_id: uuid.UUID) -> bool:
        """Delete the site and uncount the status its DELETE returned; False when the
        organization has no such site (any more, e.g. a concurrent delete won). With an
        If-Match, the row is locked and compared first."""
        key = {"org_id": org_id, "site_id": site_id}
        if self.must_lock(RESOURCE):
            current = await self._first(SITE_ROW_LOCKED, key)
            if current is None:
                return False
            self.locked(RESOURCE, current["id"], current["version"])
        status = await self.session.scalar(SITE_DELETE, key)
        if status is None:
            return False
        await self._count(org_id, {status: -1})
        return True

    async def _first(self, statement: Any, parameters: dict[str, Any]) -> dict[str, Any] | None:
        row = (await self.session.execute(statement, parameters)).mappings().first()
        return dict(row) if row is not None else None

    async def _count(self, org_id: uuid.UUID, deltas: dict[str, int]) -> None:
        """Add the deltas to the organization's per-status counts in one statement whose rows
        are in status order: every transaction locks an organization's counter rows in that
        one order (opposite moves, active->inactive beside inactive->active, cannot deadlock)."""
        insert = postgresql.insert if self.on_postgresql else sqlite.insert
        rows = [
            {"organization_id": org_id, "status": status, "sites": delta}
            for status, delta in sorted(deltas.items())
        ]
        statement = insert(SiteCounter).values(rows)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SiteCounter.organization_id, SiteCounter.status],
                set_={"sites": SiteCounter.sites + statement.excluded.sites},
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
