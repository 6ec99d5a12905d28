"""Organizations: creation makes the caller owner, slugs, visibility and cascading deletion."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from tests.factories import auth_headers, make_org, make_site, make_user


async def test_creator_becomes_owner_and_slug_is_derived(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    user = await make_user(db)
    headers = await auth_headers(app, user)
    first = await client.post(
        "/api/v1/organizations", json={"name": "Acmé Corp. (EU)"}, headers=headers
    )
    assert first.status_code == 201, first.text
    org = first.json()["data"]
    assert org["slug"] == "acme-corp-eu"
    assert first.headers["location"] == f"/api/v1/organizations/{org['id']}"
    second = await client.post(
        "/api/v1/organizations", json={"name": "Acme Corp EU"}, headers=headers
    )
    assert second.json()["data"]["slug"] == "acme-corp-eu-2"
    taken = await client.post(
        "/api/v1/organizations", json={"name": "X", "slug": "acme-corp-eu"}, headers=headers
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    members = await client.get(f"/api/v1/organizations/{org['id']}/members", headers=headers)
    assert [(m["user_id"], m["role"]) for m in members.json()["data"]] == [(str(user.id), "owner")]


async def test_list_shows_only_own_organizations(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    alice, bob = await make_user(db), await make_user(db)
    mine = await make_org(db, owner=alice, name="Alpha")
    await make_org(db, owner=bob, name="Beta")
    listing = (
        await client.get("/api/v1/organizations", headers=await auth_headers(app, alice))
    ).json()
    assert [org["id"] for org in listing["data"]] == [str(mine.id)]
    assert listing["meta"]["total"] == 1


async def test_delete_cascades(client: httpx.AsyncClient, db: AsyncSession, app: FastAPI) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    await make_site(db, org)
    response = await client.delete(
        f"/api/v1/organizations/{org.id}", headers=await auth_headers(app, owner)
    )
    assert response.status_code == 204
    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(orm.Site)) == 0
    assert await db.scalar(select(func.count()).select_from(orm.Membership)) == 0


async def test_update_slug_conflict(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    other = await make_org(db, owner=owner)
    headers = await auth_headers(app, owner)
    clash = await client.patch(
        f"/api/v1/organizations/{org.id}", json={"slug": other.slug}, headers=headers
    )
    assert clash.status_code == 409
    same = await client.patch(
        f"/api/v1/organizations/{org.id}", json={"slug": org.slug, "name": "N"}, headers=headers
    )
    assert same.status_code == 200
    assert same.json()["data"]["name"] == "N"
