"""Every operation, called as every kind of caller, answers exactly the status written in MATRIX.

MATRIX is the role table of docs/api.md spelled out by hand, not derived from
rbac.ROLE_PERMISSIONS or the spec: granting or removing any permission, or adding an operation
without a row here, fails this module."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.rbac import Permission, Role
from generated.operations import OPERATIONS
from tests.factories import (
    SUPERADMIN_EMAIL,
    add_member,
    auth_headers,
    make_org,
    make_site,
    make_user,
)

CALLERS = ("superadmin", "owner", "admin", "member", "non_member", "anonymous")
PUBLIC_TAGS = {"auth", "health"}
GUARDED = sorted(op_id for op_id, op in OPERATIONS.items() if not op.public)


@dataclass
class World:
    """One organization with a member of each role, a target member, a site and an outsider."""

    users: dict[str, orm.User | None]
    org: orm.Organization
    target: orm.User
    outsider: orm.User
    site: orm.Site


async def build_world(db: AsyncSession) -> World:
    superadmin = await db.scalar(select(orm.User).where(orm.User.email == SUPERADMIN_EMAIL))
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    users: dict[str, orm.User | None] = {
        "superadmin": superadmin,
        "owner": owner,
        "anonymous": None,
    }
    for role in (Role.ADMIN, Role.MEMBER):
        users[role.value] = await make_user(db)
        await add_member(db, org, users[role.value], role)  # type: ignore[arg-type]
    users["non_member"] = await make_user(db)
    target = await make_user(db)
    await add_member(db, org, target, Role.MEMBER)
    return World(users, org, target, await make_user(db), await make_site(db, org))


def recipe(operation_id: str, world: World) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Path parameters and a valid body for a successful call of each guarded operation."""
    org, site, target = world.org.id, world.site.id, world.target.id
    unique = uuid.uuid4().hex[:8]
    recipes: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
        "getCurrentUser": ({}, None),
        "updateCurrentUser": ({}, {"full_name": "Renamed"}),
        "listUsers": ({}, None),
        "createUser": (
            {},
            {"email": f"{unique}@example.com", "password": "long-enough-1", "full_name": "N"},
        ),
        "getUser": ({"user_id": target}, None),
        "updateUser": ({"user_id": target}, {"full_name": "Renamed"}),
        "deleteUser": ({"user_id": target}, None),
        "listOrganizations": ({}, None),
        "createOrganization": ({}, {"name": f"New {unique}"}),
        "getOrganization": ({"org_id": org}, None),
        "updateOrganization": ({"org_id": org}, {"name": "Renamed"}),
        "deleteOrganization": ({"org_id": org}, None),
        "listOrganizationMembers": ({"org_id": org}, None),
        "addOrganizationMember": (
            {"org_id": org},
            {"email": world.outsider.email, "role": "member"},
        ),
        "getOrganizationMember": ({"org_id": org, "user_id": target}, None),
        "updateOrganizationMember": ({"org_id": org, "user_id": target}, {"role": "admin"}),
        "removeOrganizationMember": ({"org_id": org, "user_id": target}, None),
        "listSites": ({"org_id": org}, None),
        "createSite": ({"org_id": org}, {"name": "HQ", "timezone": "Europe/Paris"}),
        "getSite": ({"org_id": org, "site_id": site}, None),
        "updateSite": ({"org_id": org, "site_id": site}, {"status": "inactive"}),
        "deleteSite": ({"org_id": org, "site_id": site}, None),
    }
    return recipes[operation_id]


# Columns: superadmin, owner, admin, member, non_member (signed in, not in the organization),
# anonymous. Each row is the "Roles" table of docs/api.md applied to one operation; the target of
# member and user operations is another plain member, never the caller.
MATRIX: dict[str, tuple[int, int, int, int, int, int]] = {
    # any signed-in user: their own profile, their organizations, creating organizations
    "getCurrentUser": (200, 200, 200, 200, 200, 401),
    "updateCurrentUser": (200, 200, 200, 200, 200, 401),
    "listOrganizations": (200, 200, 200, 200, 200, 401),
    "createOrganization": (201, 201, 201, 201, 201, 401),
    # user administration: superadmins only
    "listUsers": (200, 403, 403, 403, 403, 401),
    "createUser": (201, 403, 403, 403, 403, 401),
    "getUser": (200, 403, 403, 403, 403, 401),
    "updateUser": (200, 403, 403, 403, 403, 401),
    "deleteUser": (204, 403, 403, 403, 403, 401),
    # an organization: members read, admins edit, owners delete; outsiders do not see it
    "getOrganization": (200, 200, 200, 200, 404, 401),
    "updateOrganization": (200, 200, 200, 403, 404, 401),
    "deleteOrganization": (204, 204, 403, 403, 404, 401),
    # its members: members read, admins add, change and remove (non-owners)
    "listOrganizationMembers": (200, 200, 200, 200, 404, 401),
    "addOrganizationMember": (201, 201, 201, 403, 404, 401),
    "getOrganizationMember": (200, 200, 200, 200, 404, 401),
    "updateOrganizationMember": (200, 200, 200, 403, 404, 401),
    "removeOrganizationMember": (204, 204, 204, 403, 404, 401),
    # its sites: members read, admins create, edit and delete
    "listSites": (200, 200, 200, 200, 404, 401),
    "createSite": (201, 201, 201, 403, 404, 401),
    "getSite": (200, 200, 200, 200, 404, 401),
    "updateSite": (200, 200, 200, 403, 404, 401),
    "deleteSite": (204, 204, 204, 403, 404, 401),
}


def test_the_matrix_covers_exactly_the_guarded_operations() -> None:
    assert sorted(MATRIX) == GUARDED


def test_every_operation_is_guarded_or_public() -> None:
    for operation in OPERATIONS.values():
        assert operation.public != (operation.permission is not None), operation.operation_id
        if operation.public:
            assert operation.tag in PUBLIC_TAGS, operation.operation_id
        else:
            Permission(operation.permission)  # raises for an unknown permission


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation_id", GUARDED)
async def test_permission_matrix(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, operation_id: str, caller: str
) -> None:
    world = await build_world(db)
    operation = OPERATIONS[operation_id]
    path_params, body = recipe(operation_id, world)
    user = world.users[caller]
    headers = await auth_headers(app, user) if user is not None else {}
    response = await client.request(
        operation.method, operation.path.format(**path_params), json=body, headers=headers
    )
    assert response.status_code == MATRIX[operation_id][CALLERS.index(caller)], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
