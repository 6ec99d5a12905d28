"""Every operation, called as every kind of caller, answers exactly what x-permission and
rbac.ROLE_PERMISSIONS say. The expected status is derived, not written down: an operation added
to the spec without a recipe below, or without a permission, fails this module."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import models as orm
from app.operation_spec import OperationSpec
from app.rbac import ROLE_PERMISSIONS, SIGNED_IN_PERMISSIONS, Permission, Role
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


def expected_status(operation: OperationSpec, caller: str) -> int:
    """What the spec's x-permission and the role table say this caller gets."""
    if caller == "anonymous":
        return 401
    if caller == "superadmin":
        return operation.status_code
    assert operation.permission is not None, f"{operation.operation_id} has no x-permission"
    permission = Permission(operation.permission)
    if operation.organization_scoped:
        if caller == "non_member":
            return 404
        granted = permission in ROLE_PERMISSIONS[Role(caller)]
    else:
        granted = permission in SIGNED_IN_PERMISSIONS
    return operation.status_code if granted else 403


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
    assert response.status_code == expected_status(operation, caller), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
