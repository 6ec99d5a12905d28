"""Sites: CRUD, envelopes, pagination links, filters, sorting and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user


@pytest.fixture
async def owner_headers(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], uuid.UUID]:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    return await auth_headers(app, owner), org.id


async def test_create_get_update_delete_site(
    client: httpx.AsyncClient, owner_headers: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner_headers
    base = f"/api/v1/organizations/{org_id}/sites"
    created = await client.post(
        base,
        json={"name": "HQ", "address": "1 Main St", "timezone": "Europe/Berlin"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    site = created.json()["data"]
    assert site["status"] == "active"
    assert site["organization_id"] == str(org_id)
    assert created.headers["location"] == f"{base}/{site['id']}"
    assert created.json()["links"] == {"self": f"{base}/{site['id']}"}

    fetched = await client.get(f"{base}/{site['id']}", headers=headers)
    assert fetched.json()["data"] == site

    patched = await client.patch(
        f"{base}/{site['id']}", json={"address": None, "status": "archived"}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["address"] is None
    assert patched.json()["data"]["status"] == "archived"
    assert patched.json()["data"]["name"] == "HQ"

    deleted = await client.delete(f"{base}/{site['id']}", headers=headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    missing = await client.get(f"{base}/{site['id']}", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "site_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "timezone": "Mars/Olympus"},
        {"name": "", "timezone": "UTC"},
        {"timezone": "UTC"},
        {"name": "X", "timezone": "UTC", "status": "deleted"},
        {"name": "X", "timezone": "UTC", "organization_id": str(uuid.uuid4())},
        {"name": None, "timezone": "UTC"},
    ],
)
async def test_invalid_site_is_rejected_and_nothing_is_created(
    client: httpx.AsyncClient,
    owner_headers: tuple[dict[str, str], uuid.UUID],
    body: dict[str, object],
) -> None:
    headers, org_id = owner_headers
    base = f"/api/v1/organizations/{org_id}/sites"
    response = await client.post(base, json=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    listing = await client.get(base, headers=headers)
    assert listing.json()["meta"]["total"] == 0


async def test_patch_rejects_null_for_non_nullable_field(
    client: httpx.AsyncClient, db: AsyncSession, owner_headers: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner_headers
    base = f"/api/v1/organizations/{org_id}/sites"
    site = (await client.post(base, json={"name": "A", "timezone": "UTC"}, headers=headers)).json()[
        "data"
    ]
    response = await client.patch(f"{base}/{site['id']}", json={"name": None}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"


async def test_pagination_envelope_and_links(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    for n in range(23):
        await make_site(db, org, name=f"Site {n:02d}", status="active" if n % 2 else "inactive")
    base = f"/api/v1/organizations/{org.id}/sites"
    headers = await auth_headers(app, owner)

    first = (await client.get(base, headers=headers)).json()
    assert first["meta"] == {
        "page": 1,
        "per_page": 10,
        "total": 23,
        "total_pages": 3,
        "next_cursor": first["meta"]["next_cursor"],
    }
    assert first["meta"]["next_cursor"]
    assert len(first["data"]) == 10
    assert first["links"]["prev"] is None
    assert first["links"]["next"] == f"{base}?page=2&per_page=10"
    assert first["links"]["last"] == f"{base}?page=3&per_page=10"

    last = (await client.get(base, params={"page": 3, "sort": "-name"}, headers=headers)).json()
    assert [site["name"] for site in last["data"]] == ["Site 02", "Site 01", "Site 00"]
    assert last["links"]["next"] is None
    assert last["links"]["prev"] == f"{base}?sort=-name&page=2&per_page=10"
    assert last["links"]["self"] == f"{base}?sort=-name&page=3&per_page=10"

    filtered = (
        await client.get(
            base, params={"status": "inactive", "q": "site 1", "per_page": 100}, headers=headers
        )
    ).json()
    assert {site["name"] for site in filtered["data"]} == {
        "Site 10",
        "Site 12",
        "Site 14",
        "Site 16",
        "Site 18",
    }
    assert filtered["meta"]["total"] == 5

    empty = (await client.get(base, params={"page": 9}, headers=headers)).json()
    assert empty["data"] == []
    assert empty["links"]["prev"] == f"{base}?page=3&per_page=10"
    far = await client.get(base, params={"page": 2147483647, "per_page": 100}, headers=headers)
    assert far.status_code == 200
    assert far.json()["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": 0},
        {"per_page": 101},
        {"page": 0},
        {"page": 2147483648},
        {"page": "x"},
        {"sort": "address"},
    ],
)
async def test_out_of_range_paging_is_rejected_not_clamped(
    client: httpx.AsyncClient,
    owner_headers: tuple[dict[str, str], uuid.UUID],
    params: dict[str, object],
) -> None:
    headers, org_id = owner_headers
    response = await client.get(
        f"/api/v1/organizations/{org_id}/sites", params=params, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_sites_of_another_organization_are_invisible(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner_a, owner_b = await make_user(db), await make_user(db)
    org_a, org_b = await make_org(db, owner=owner_a), await make_org(db, owner=owner_b)
    site_b = await make_site(db, org_b)
    headers = await auth_headers(app, owner_a)
    through_own_org = f"/api/v1/organizations/{org_a.id}/sites/{site_b.id}"
    through_other_org = f"/api/v1/organizations/{org_b.id}/sites/{site_b.id}"
    for url in (through_own_org, through_other_org):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (
            await client.patch(url, json={"name": "Hijacked"}, headers=headers)
        ).status_code == 404
        assert (await client.delete(url, headers=headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/organizations/{org_b.id}/sites", headers=headers)
    ).status_code == 404
    created = await client.post(
        f"/api/v1/organizations/{org_b.id}/sites",
        json={"name": "X", "timezone": "UTC"},
        headers=headers,
    )
    assert created.status_code == 404
    await db.refresh(site_b)
    assert site_b.name != "Hijacked"
    listing = (await client.get(f"/api/v1/organizations/{org_a.id}/sites", headers=headers)).json()
    assert listing["data"] == []


async def test_member_reads_but_cannot_write(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner, member = await make_user(db), await make_user(db)
    org = await make_org(db, owner=owner)
    await add_member(db, org, member, Role.MEMBER)
    site = await make_site(db, org)
    headers = await auth_headers(app, member)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    assert (await client.get(url, headers=headers)).status_code == 200
    forbidden = await client.patch(url, json={"name": "No"}, headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"


@pytest.mark.parametrize("method", ["post", "patch"])
async def test_an_unknown_time_zone_gets_a_short_422_naming_the_field(
    client: httpx.AsyncClient,
    owner_headers: tuple[dict[str, str], uuid.UUID],
    method: str,
) -> None:
    headers, org_id = owner_headers
    base = f"/api/v1/organizations/{org_id}/sites"
    url = base
    if method == "patch":
        site = await client.post(base, json={"name": "A", "timezone": "UTC"}, headers=headers)
        url = f"{base}/{site.json()['data']['id']}"
    response = await client.request(
        method, url, json={"name": "X", "timezone": "Europe/Atlantis"}, headers=headers
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body.timezone"
    assert "IANA time zone" in error["message"]
    assert len(error["message"]) < 200, "the message, not the spec's long pattern"


async def test_a_time_zone_newer_than_the_old_enum_style_is_accepted_as_a_string(
    client: httpx.AsyncClient, owner_headers: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner_headers
    base = f"/api/v1/organizations/{org_id}/sites"
    created = await client.post(base, json={"name": "GMT", "timezone": "GMT+0"}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["timezone"] == "GMT+0"
    assert created.json()["data"]["status"] == "active", "status defaults to active when omitted"
