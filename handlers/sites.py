"""Sites of an organization: listSites, createSite, getSite, updateSite, deleteSite."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from app.contract.runtime import Page, RequestContext
from app.data import models as orm
from app.data.repositories.paging import Slice
from app.data.repositories.sites import SiteRepository
from app.domain.errors import NotFound
from generated.models import Site, SiteCreate, SiteStatus, SiteUpdate


def to_site(row: orm.Site) -> Site:
    """The API representation of a site row."""
    return Site.model_validate(row, from_attributes=True)


def _no_such_site() -> NotFound:
    """The 404 of a site the organization does not have."""
    return NotFound("No such site in this organization.", code="site_not_found")


class SiteHandlers:
    """Implements generated.protocols.SitesOperations."""

    async def list_sites(
        self,
        ctx: RequestContext,
        *,
        org_id: uuid.UUID,
        page: int,
        per_page: int,
        cursor: str | None,
        q: str | None,
        status: SiteStatus | None,
        sort: Literal["name", "-name", "status", "-status", "created_at", "-created_at"],
    ) -> Page[Site]:
        rows = await SiteRepository(ctx.unit_of_work).search(
            org_id,
            q=q,
            status=status.value if status else None,
            sort=sort,
            window=Slice(page, per_page, cursor),
        )
        return rows.shaped_as(Site)

    async def create_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, body: SiteCreate
    ) -> Site:
        site = orm.Site(
            organization_id=org_id,
            name=body.name,
            address=body.address,
            timezone=body.timezone.root,
            status=(body.status or SiteStatus.active).value,
        )
        return to_site(await SiteRepository(ctx.unit_of_work).add(site))

    async def get_site(self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID) -> Site:
        row = await SiteRepository(ctx.unit_of_work).row(org_id, site_id)
        if row is None:
            raise _no_such_site()
        return Site.model_validate(row)

    async def update_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID, body: SiteUpdate
    ) -> Site:
        # Each writable field by name: a field added to SiteUpdate later stays read-only until
        # someone decides otherwise here.
        values: dict[str, Any] = {}
        if body.name is not None:
            values["name"] = body.name
        if "address" in body.model_fields_set:
            values["address"] = body.address
        if body.timezone is not None:
            values["timezone"] = body.timezone.root
        if body.status is not None:
            values["status"] = body.status.value
        row = await SiteRepository(ctx.unit_of_work).change(org_id, site_id, values)
        if row is None:
            raise _no_such_site()
        return Site.model_validate(row)

    async def delete_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID
    ) -> None:
        if not await SiteRepository(ctx.unit_of_work).remove(org_id, site_id):
            raise _no_such_site()
