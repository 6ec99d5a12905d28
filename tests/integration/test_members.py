"""Members: adding, changing roles and removing, with the owner/admin rules."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_user


async def _org_with(db: AsyncSession, *roles: Role) -> tuple[orm.Organization, list[orm.User]]:
    users = [await make_user(db) for _ in roles]
    org = await make_org(db)
    for user, role in zip(users, roles, strict=True):
        await add_member(db, org, user, role)
    return org, users


def members_url(org: orm.Organization, user: orm.User | None = None) -> str:
    base = f"/api/v1/organizations/{org.id}/members"
    return f"{base}/{user.id}" if user else base


async def test_admin_adds_member_and_lists(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org, (admin,) = await _org_with(db, Role.ADMIN)
    newcomer = await make_user(db, full_name="New Comer")
    response = await client.post(
        members_url(org),
        json={"email": newcomer.email.upper(), "role": "member"},
        headers=await auth_headers(app, admin),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["data"]["user_id"] == str(newcomer.id)
    assert body["data"]["role"] == "member"
    assert response.headers["location"] == members_url(org, newcomer)

    again = await client.post(
        members_url(org),
        json={"email": newcomer.email, "role": "member"},
        headers=await auth_headers(app, admin),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_member"

    listing = await client.get(
        members_url(org), params={"sort": "email"}, headers=await auth_headers(app, newcomer)
    )
    assert listing.status_code == 200
    assert listing.json()["meta"]["total"] == 2
    emails = [member["email"] for member in listing.json()["data"]]
    assert emails == sorted(emails)


async def test_unknown_email_is_404(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org, (owner,) = await _org_with(db, Role.OWNER)
    response = await client.post(
        members_url(org),
        json={"email": "nobody@example.com", "role": "member"},
        headers=await auth_headers(app, owner),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


async def test_admin_cannot_grant_or_touch_owner(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org, (owner, admin, member) = await _org_with(db, Role.OWNER, Role.ADMIN, Role.MEMBER)
    headers = await auth_headers(app, admin)
    outsider = await make_user(db)
    grant_owner = await client.post(
        members_url(org), json={"email": outsider.email, "role": "owner"}, headers=headers
    )
    assert grant_owner.status_code == 403
    promote = await client.patch(members_url(org, member), json={"role": "owner"}, headers=headers)
    assert promote.status_code == 403
    demote_owner = await client.patch(
        members_url(org, owner), json={"role": "member"}, headers=headers
    )
    assert demote_owner.status_code == 403
    remove_owner = await client.delete(members_url(org, owner), headers=headers)
    assert remove_owner.status_code == 403
    to_admin = await client.patch(members_url(org, member), json={"role": "admin"}, headers=headers)
    assert to_admin.status_code == 200
    assert to_admin.json()["data"]["role"] == "admin"


async def test_last_owner_can_never_go(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org, (owner,) = await _org_with(db, Role.OWNER)
    headers = await auth_headers(app, owner)
    demote = await client.patch(members_url(org, owner), json={"role": "admin"}, headers=headers)
    assert demote.status_code == 409
    assert demote.json()["code"] == "last_owner"
    leave = await client.delete(members_url(org, owner), headers=headers)
    assert leave.status_code == 409
    second = await make_user(db)
    await add_member(db, org, second, Role.OWNER)
    assert (await client.delete(members_url(org, owner), headers=headers)).status_code == 204
    assert (await client.get(members_url(org), headers=headers)).status_code == 404


async def test_member_may_remove_only_themself(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org, (owner, member, other) = await _org_with(db, Role.OWNER, Role.MEMBER, Role.MEMBER)
    headers = await auth_headers(app, member)
    assert (await client.delete(members_url(org, other), headers=headers)).status_code == 403
    assert (
        await client.patch(members_url(org, member), json={"role": "admin"}, headers=headers)
    ).status_code == 403
    assert (await client.delete(members_url(org, member), headers=headers)).status_code == 204
    assert (
        await client.get(members_url(org, other), headers=await auth_headers(app, owner))
    ).status_code == 200


async def test_members_of_other_organizations_are_invisible(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    org_a, (owner_a,) = await _org_with(db, Role.OWNER)
    org_b, (owner_b,) = await _org_with(db, Role.OWNER)
    headers = await auth_headers(app, owner_a)
    for url in (members_url(org_a, owner_b), members_url(org_b, owner_b)):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (
            await client.patch(url, json={"role": "member"}, headers=headers)
        ).status_code == 404
        assert (await client.delete(url, headers=headers)).status_code == 404
    assert (
        await client.get(members_url(org_b, owner_b), headers=await auth_headers(app, owner_b))
    ).status_code == 200


@pytest.mark.parametrize(
    "body", [{"role": "superadmin"}, {"role": "admin", "is_superadmin": True}, {}]
)
async def test_role_change_validates_body(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, body: dict[str, object]
) -> None:
    org, (owner, member) = await _org_with(db, Role.OWNER, Role.MEMBER)
    response = await client.patch(
        members_url(org, member), json=body, headers=await auth_headers(app, owner)
    )
    assert response.status_code == 422
