"""Sites of an organization: listSites, createSite, getSite, updateSite, deleteSite.

The database keeps a site's lifecycle state under its first name: the state v2 calls `paused` is
stored as `inactive` (v1's name), so rows written by either version, and code of the release
before v2, agree on it (an expand-only change: no row is rewritten). STORED names the stored
value of each API status that differs; rows are renamed on their way out here."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from app.contract.runtime import Page, RequestContext
from app.data import models as orm
from app.data.repositories.paging import Slice
from app.data.repositories.sites import SiteRepository
from app.domain.errors import NotFound
from generated.v2.models import Country, Site, SiteCreate, SiteStatus, SiteUpdate

STORED = {SiteStatus.paused.value: "inactive"}
"""API status -> the value stored for it, where they differ."""
SHOWN = {stored: shown for shown, stored in STORED.items()}
"""Stored status -> its API name, where they differ."""


def stored_status(status: SiteStatus) -> str:
    """The value the database keeps for an API status."""
    return STORED.get(status.value, status.value)


def shown(row: Mapping[str, Any]) -> dict[str, Any]:
    """A site row with its status under its API name."""
    status = row["status"]
    return {**row, "status": SHOWN.get(status, status)} if status in SHOWN else dict(row)


def to_site(row: orm.Site) -> Site:
    """The API representation of a site row."""
    return Site.model_validate(shown({field: getattr(row, field) for field in Site.model_fields}))


def _country(country: Country | None) -> str | None:
    """The stored code. A create through v1 reaches this handler without one (v1 has no country:
    app.contract.versions.site_country), so it is optional here though v2 requires it."""
    return country.root if country is not None else None


def _no_such_site() -> NotFound:
    """The 404 of a site the organization does not have."""
    return NotFound("No such site in this organization.", code="site_not_found")


class SiteHandlers:
    """Implements generated.v2.protocols.SitesOperations."""

    async def list_sites(
        self,
        ctx: RequestContext,
        *,
        org_id: uuid.UUID,
        cursor: str | None,
        per_page: int,
        include_total: bool | None,
        q: str | None,
        status: SiteStatus | None,
        sort: Literal["name", "-name", "status", "-status", "created_at", "-created_at"],
    ) -> Page[Site]:
        rows = await SiteRepository(ctx.unit_of_work).search(
            org_id,
            q=q,
            status=stored_status(status) if status else None,
            sort=sort,
            window=Slice.by_cursor(cursor, per_page, include_total),
        )
        items = [shown(item) if item["status"] in SHOWN else item for item in rows.items]
        return replace(rows, items=items).shaped_as(Site)

    async def create_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, body: SiteCreate
    ) -> Site:
        site = orm.Site(
            organization_id=org_id,
            name=body.name,
            address=body.address,
            timezone=body.timezone.root,
            country=_country(body.country),
            status=stored_status(body.status or SiteStatus.active),
        )
        return to_site(await SiteRepository(ctx.unit_of_work).add(site))

    async def get_site(self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID) -> Site:
        row = await SiteRepository(ctx.unit_of_work).row(org_id, site_id)
        if row is None:
            raise _no_such_site()
        return Site.model_validate(shown(row))

    async def update_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID, body: SiteUpdate
    ) -> Site:
        # Each writable field by name: a field added to SiteUpdate later stays read-only until
        # someone decides otherwise here. A field left out (a v1 PATCH never has `country`) is
        # left as it is.
        values: dict[str, Any] = {}
        if body.name is not None:
            values["name"] = body.name
        if "address" in body.model_fields_set:
            values["address"] = body.address
        if body.timezone is not None:
            values["timezone"] = body.timezone.root
        if body.country is not None:
            values["country"] = body.country.root
        if body.status is not None:
            values["status"] = stored_status(body.status)
        row = await SiteRepository(ctx.unit_of_work).change(org_id, site_id, values)
        if row is None:
            raise _no_such_site()
        return Site.model_validate(shown(row))

    async def delete_site(
        self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID
    ) -> None:
        if not await SiteRepository(ctx.unit_of_work).remove(org_id, site_id):
            raise _no_such_site()
