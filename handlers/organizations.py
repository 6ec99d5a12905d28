"""Organizations: listOrganizations, createOrganization, getOrganization, updateOrganization,
deleteOrganization."""

from __future__ import annotations

import uuid
from typing import Literal

from app.contract.runtime import Page, RequestContext
from app.data import models as orm
from app.data.repositories.memberships import MembershipRepository
from app.data.repositories.organizations import OrganizationRepository
from app.data.repositories.paging import Slice
from app.domain.errors import Conflict, NotFound
from app.domain.rbac import Role
from generated.v2.models import Organization, OrganizationCreate, OrganizationUpdate
from handlers.slugs import free_slug, slugify


def to_organization(row: orm.Organization) -> Organization:
    """The API representation of an organization row."""
    return Organization.model_validate(row, from_attributes=True)


def _no_such_organization() -> NotFound:
    """The 404 of an organization that does not exist."""
    return NotFound("No such organization.", code="organization_not_found")


async def _existing(ctx: RequestContext, org_id: uuid.UUID) -> orm.Organization:
    organization = await OrganizationRepository(ctx.unit_of_work).get(org_id)
    if organization is None:
        raise _no_such_organization()
    return organization


async def _require_free_slug(ctx: RequestContext, slug: str, org_id: uuid.UUID | None) -> None:
    if await OrganizationRepository(ctx.unit_of_work).slug_taken(slug, excluding=org_id):
        raise Conflict(f"The slug {slug!r} is already taken.", code="slug_taken")


class OrganizationHandlers:
    """Implements generated.v2.protocols.OrganizationsOperations."""

    async def list_organizations(
        self,
        ctx: RequestContext,
        *,
        cursor: str | None,
        per_page: int,
        include_total: bool | None,
        q: str | None,
        sort: Literal["name", "-name", "slug", "-slug", "created_at", "-created_at"],
    ) -> Page[Organization]:
        rows = await OrganizationRepository(ctx.unit_of_work).list_visible(
            await ctx.caller(),
            q=q,
            sort=sort,
            window=Slice.by_cursor(cursor, per_page, include_total),
        )
        return rows.shaped_as(Organization)

    async def create_organization(
        self, ctx: RequestContext, *, body: OrganizationCreate
    ) -> Organization:
        repository = OrganizationRepository(ctx.unit_of_work)
        if body.slug is not None:
            await _require_free_slug(ctx, body.slug, None)
            organization = await repository.add(orm.Organization(name=body.name, slug=body.slug))
        else:
            organization = await repository.add_with_free_slug(
                body.name, slugify(body.name), free_slug
            )
        await MembershipRepository(ctx.unit_of_work).add(
            orm.Membership(
                organization_id=organization.id, user_id=ctx.user.user_id, role=Role.OWNER
            )
        )
        return to_organization(organization)

    async def get_organization(self, ctx: RequestContext, *, org_id: uuid.UUID) -> Organization:
        row = await OrganizationRepository(ctx.unit_of_work).row(org_id)
        if row is None:
            raise _no_such_organization()
        return Organization.model_validate(row)

    async def update_organization(
        self, ctx: RequestContext, *, org_id: uuid.UUID, body: OrganizationUpdate
    ) -> Organization:
        organization = await _existing(ctx, org_id)
        # Each writable field by name: a field added to OrganizationUpdate later stays read-only
        # until someone decides otherwise here.
        if body.slug is not None and body.slug != organization.slug:
            await _require_free_slug(ctx, body.slug, org_id)
            organization.slug = body.slug
        if body.name is not None:
            organization.name = body.name
        return to_organization(await OrganizationRepository(ctx.unit_of_work).save(organization))

    async def delete_organization(self, ctx: RequestContext, *, org_id: uuid.UUID) -> None:
        if not await OrganizationRepository(ctx.unit_of_work).remove(org_id):
            raise _no_such_organization()
