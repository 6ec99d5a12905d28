"""Members of an organization: list, add, get, change role, remove.

Who may call each operation is decided by x-permission (app.contract.authorization). The rules here
are about the target: admins cannot touch owners or create them, and an organization always keeps at
least one owner."""

from __future__ import annotations

import uuid
from typing import Literal

from app.contract.runtime import Page, RequestContext
from app.data import models as orm
from app.data.repositories.memberships import MembershipRepository
from app.data.repositories.paging import Slice
from app.data.repositories.users import UserRepository
from app.domain.errors import Conflict, NotFound, NotPermitted
from app.domain.rbac import Role, may_manage
from generated.v2.models import Member, MemberCreate, MemberRole, MemberUpdate


def to_member(membership: orm.Membership, user: orm.User) -> Member:
    """The API representation of a membership and its user."""
    return Member(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=MemberRole(membership.role),
        joined_at=membership.joined_at,
    )


def _require_manageable(ctx: RequestContext, target: Role) -> None:
    if not may_manage(ctx.role, target=target, is_superadmin=ctx.user.is_superadmin):
        raise NotPermitted(
            f"Your role cannot grant, change or remove the {target.value} role.",
            code="role_not_manageable",
        )


def _no_such_member() -> NotFound:
    """The 404 of a member the organization does not have."""
    return NotFound("No such member in this organization.", code="member_not_found")


async def _locked(
    ctx: RequestContext, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[orm.Membership, orm.User, int]:
    """The member with its user and the organization's owner count, locked for a change."""
    found = await MembershipRepository(ctx.unit_of_work).lock(org_id, user_id)
    if found is None:
        raise _no_such_member()
    return found


def _keep_an_owner(membership: orm.Membership, owners: int) -> None:
    """409 when the change would leave the organization without an owner."""
    if membership.role == Role.OWNER and owners <= 1:
        raise Conflict("An organization must keep at least one owner.", code="last_owner")


class MemberHandlers:
    """Implements generated.v2.protocols.MembersOperations."""

    async def list_organization_members(
        self,
        ctx: RequestContext,
        *,
        org_id: uuid.UUID,
        cursor: str | None,
        per_page: int,
        include_total: bool | None,
        q: str | None,
        role: MemberRole | None,
        sort: Literal["email", "-email", "joined_at", "-joined_at", "role", "-role"],
    ) -> Page[Member]:
        rows = await MembershipRepository(ctx.unit_of_work).search(
            org_id,
            q=q,
            role=Role(role.value) if role else None,
            sort=sort,
            window=Slice.by_cursor(cursor, per_page, include_total),
        )
        return rows.shaped_as(Member)

    async def add_organization_member(
        self, ctx: RequestContext, *, org_id: uuid.UUID, body: MemberCreate
    ) -> Member:
        role = Role(body.role.value)
        _require_manageable(ctx, role)
        user = await UserRepository(ctx.unit_of_work).get_by_email(body.email)
        if user is None:
            raise NotFound("No user has this email address.", code="user_not_found")
        repository = MembershipRepository(ctx.unit_of_work)
        if await repository.role_of(org_id, user.id) is not None:
            raise Conflict("This user is already a member.", code="already_member")
        membership = await repository.add(
            orm.Membership(organization_id=org_id, user_id=user.id, role=role)
        )
        return to_member(membership, user)

    async def get_organization_member(
        self, ctx: RequestContext, *, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> Member:
        row = await MembershipRepository(ctx.unit_of_work).row(org_id, user_id)
        if row is None:
            raise _no_such_member()
        return Member.model_validate(row)

    async def update_organization_member(
        self, ctx: RequestContext, *, org_id: uuid.UUID, user_id: uuid.UUID, body: MemberUpdate
    ) -> Member:
        membership, user, owners = await _locked(ctx, org_id, user_id)
        new_role = Role(body.role.value)
        _require_manageable(ctx, Role(membership.role))
        _require_manageable(ctx, new_role)
        if new_role != membership.role:
            _keep_an_owner(membership, owners)
            membership.role = new_role
            await MembershipRepository(ctx.unit_of_work).save(membership)
        return to_member(membership, user)

    async def remove_organization_member(
        self, ctx: RequestContext, *, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        membership, _, owners = await _locked(ctx, org_id, user_id)
        if user_id != ctx.user.user_id:
            _require_manageable(ctx, Role(membership.role))
        _keep_an_owner(membership, owners)
        await MembershipRepository(ctx.unit_of_work).delete(membership)
