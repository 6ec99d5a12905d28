"""Every operation, called as every kind of caller, answers exactly the status written in MATRIX.

MATRIX is the role table of docs/api.md spelled out by hand, one row per guarded operation. Each
row is checked twice: against what the spec's x-permission and rbac.ROLE_PERMISSIONS imply
(`derived`), so granting or removing a permission by mistake fails here, and against the running
app. A missing row fails with the row to add, derived from x-permission and ROLE_PERMISSIONS:
check it against the table in docs/api.md and paste it. The calls need no recipe for a new
operation: path parameters come from the world by name (PATH_VALUES) and bodies are the spec's
request example, unless BODIES says otherwise.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.operation_spec import OperationSpec
from app.domain.rbac import Permission, Role, holds
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
ROLES = {role.value for role in Role}
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


SPEC = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text())
PathValue = Callable[[AsyncSession, World], Awaitable[uuid.UUID]]


async def _value(value: uuid.UUID) -> uuid.UUID:
    return value


async def id_of(row: Awaitable[Any]) -> uuid.UUID:
    """The id of the row a factory makes."""
    made = await row
    return uuid.UUID(str(made.id))


PATH_VALUES: dict[str, PathValue] = {
    "org_id": lambda db, world: _value(world.org.id),
    "site_id": lambda db, world: _value(world.site.id),
    "user_id": lambda db, world: _value(world.target.id),  # another plain member, never the caller
}
"""Each path parameter's value in the world; a new resource's id adds an entry that makes one,
e.g. `"contact_id": lambda db, world: id_of(make_contact(db, world.org))`."""

BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    # the spec's example names ada@example.com, who is not a user of the world
    "addOrganizationMember": lambda world: {"email": world.outsider.email, "role": "member"},
}
"""Request bodies where the spec's example would not succeed in the world."""


def example_body(operation: OperationSpec) -> dict[str, Any] | None:
    """The spec's example request body of the operation, if it takes one."""
    spec = SPEC["paths"][operation.path][operation.method.lower()]
    content = spec.get("requestBody", {}).get("content", {}).get("application/json")
    return None if content is None else dict(content["example"])


async def recipe(
    operation: OperationSpec, world: World, db: AsyncSession
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Path parameters and a valid body for a successful call of a guarded operation."""
    names = [name for _, name, _, _ in Formatter().parse(operation.path) if name]
    unknown = [name for name in names if name not in PATH_VALUES]
    if unknown:
        pytest.fail(
            f"add a PATH_VALUES entry for {', '.join(unknown)} ({operation.operation_id}):"
            " an async function of (db, world) returning the id of a row it creates"
        )
    path = {name: await PATH_VALUES[name](db, world) for name in names}
    body = BODIES[operation.operation_id](world) if operation.operation_id in BODIES else None
    return path, body or example_body(operation)


def derived(operation: OperationSpec) -> tuple[int, int, int, int, int, int]:
    """Each caller's status as x-permission and rbac.ROLE_PERMISSIONS imply: anonymous callers
    get 401; a caller holding the permission the success status; inside an organization a
    non-member 404 (it does not see the organization) and a member without it 403; outside one,
    403."""
    permission = Permission(operation.permission)
    statuses: list[int] = []
    for caller in CALLERS:
        if caller == "anonymous":
            statuses.append(401)
            continue
        role = Role(caller) if operation.organization_scoped and caller in ROLES else None
        if holds(permission, is_superadmin=caller == "superadmin", role=role):
            statuses.append(operation.status_code)
        elif operation.organization_scoped and role is None:
            statuses.append(404)
        else:
            statuses.append(403)
    return tuple(statuses)  # type: ignore[return-value]


def missing_row(operation_id: str) -> str:
    """What to add to MATRIX for an operation it lacks."""
    operation = OPERATIONS[operation_id]
    return (
        f'add a MATRIX row for {operation_id}: "{operation_id}": {derived(operation)},'
        f" (derived from x-permission {operation.permission} and rbac.ROLE_PERMISSIONS; columns"
        f" {', '.join(CALLERS)}; check it against the README's roles table)"
    )


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


def matrix_problems(matrix: dict[str, tuple[int, ...]]) -> list[str]:
    """Every row missing from, extra in or disagreeing with the rbac data and the spec."""
    problems = [missing_row(op_id) for op_id in GUARDED if op_id not in matrix]
    problems += [
        f"remove the MATRIX row for {op_id}: the spec has no guarded operation of that name"
        for op_id in matrix
        if op_id not in GUARDED
    ]
    problems += [
        f"MATRIX row {op_id} {matrix[op_id]} disagrees with x-permission"
        f" {OPERATIONS[op_id].permission} and rbac.ROLE_PERMISSIONS, which give"
        f" {derived(OPERATIONS[op_id])}: fix the one that is wrong"
        for op_id in GUARDED
        if op_id in matrix and matrix[op_id] != derived(OPERATIONS[op_id])
    ]
    return problems


def test_the_matrix_covers_exactly_the_guarded_operations_as_rbac_says() -> None:
    problems = matrix_problems(dict(MATRIX))
    assert not problems, "\n".join(problems)


def test_a_missing_row_says_which_row_to_add() -> None:
    matrix = {op_id: row for op_id, row in MATRIX.items() if op_id != "listSites"}
    assert matrix_problems(dict(matrix)) == [
        'add a MATRIX row for listSites: "listSites": (200, 200, 200, 200, 404, 401), (derived'
        " from x-permission sites:read and rbac.ROLE_PERMISSIONS; columns superadmin, owner,"
        " admin, member, non_member, anonymous; check it against the README's roles table)"
    ]


def test_a_wrong_row_says_it_disagrees() -> None:
    matrix = {**MATRIX, "deleteOrganization": (204, 204, 204, 403, 404, 401)}
    assert matrix_problems(dict(matrix)) == [
        "MATRIX row deleteOrganization (204, 204, 204, 403, 404, 401) disagrees with"
        " x-permission organizations:delete and rbac.ROLE_PERMISSIONS, which give"
        " (204, 204, 403, 403, 404, 401): fix the one that is wrong"
    ]


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
    if operation_id not in MATRIX:
        pytest.fail(missing_row(operation_id))
    world = await build_world(db)
    operation = OPERATIONS[operation_id]
    path_params, body = await recipe(operation, world, db)
    user = world.users[caller]
    headers = await auth_headers(app, user) if user is not None else {}
    response = await client.request(
        operation.method, operation.path.format(**path_params), json=body, headers=headers
    )
    assert response.status_code == MATRIX[operation_id][CALLERS.index(caller)], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
