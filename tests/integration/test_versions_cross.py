"""One database, two versions: what one version writes the other reads, every mapping both ways."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from tests.factories import PASSWORD, make_org, make_user


@pytest.fixture
async def org(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], uuid.UUID]:
    from tests.factories import auth_headers

    user = await make_user(db)
    organization = await make_org(db, owner=user)
    return await auth_headers(app, user), organization.id


def sites(version: int, org_id: uuid.UUID) -> str:
    return f"/api/v{version}/organizations/{org_id}/sites"


async def test_a_site_created_in_v1_is_paused_and_has_no_country_in_v2(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    body = {"name": "Old", "timezone": "UTC", "status": "inactive"}
    created = (await client.post(sites(1, org_id), json=body, headers=headers)).json()["data"]
    assert "country" not in created
    assert created["status"] == "inactive"
    seen = (await client.get(f"{sites(2, org_id)}/{created['id']}", headers=headers)).json()
    assert seen["data"]["status"] == "paused"
    assert seen["data"]["country"] is None
    assert {k: v for k, v in seen["data"].items() if k not in ("status", "country")} == {
        k: v for k, v in created.items() if k != "status"
    }


async def test_a_site_created_in_v2_is_inactive_without_country_in_v1(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    body = {"name": "New", "timezone": "UTC", "country": "PT", "status": "paused"}
    created = (await client.post(sites(2, org_id), json=body, headers=headers)).json()["data"]
    v1 = (await client.get(f"{sites(1, org_id)}/{created['id']}", headers=headers)).json()
    assert v1["data"]["status"] == "inactive"
    assert "country" not in v1["data"]
    listed = (await client.get(sites(1, org_id), headers=headers)).json()
    assert listed["data"] == [v1["data"]]
    assert listed["meta"] == {
        "page": 1,
        "per_page": 10,
        "total": 1,
        "total_pages": 1,
        "next_cursor": None,
    }


async def test_a_v1_patch_never_erases_the_country(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID], db: AsyncSession
) -> None:
    headers, org_id = org
    body = {"name": "Lisbon", "timezone": "Europe/Lisbon", "country": "PT"}
    site = (await client.post(sites(2, org_id), json=body, headers=headers)).json()["data"]
    renamed = await client.patch(
        f"{sites(1, org_id)}/{site['id']}",
        json={"name": "Lisboa", "address": None, "status": "inactive"},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert "country" not in renamed.json()["data"]
    after = (await client.get(f"{sites(2, org_id)}/{site['id']}", headers=headers)).json()["data"]
    assert (after["name"], after["country"], after["status"]) == ("Lisboa", "PT", "paused")
    stored = await db.scalar(select(orm.Site.status).where(orm.Site.id == uuid.UUID(site["id"])))
    assert stored == "inactive"  # one stored name for the state both versions name


async def test_the_status_filter_maps_both_ways(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    await client.post(
        sites(1, org_id),
        json={"name": "a", "timezone": "UTC", "status": "inactive"},
        headers=headers,
    )
    await client.post(
        sites(2, org_id),
        json={"name": "b", "timezone": "UTC", "country": "DE", "status": "paused"},
        headers=headers,
    )
    await client.post(sites(1, org_id), json={"name": "c", "timezone": "UTC"}, headers=headers)
    v1 = await client.get(
        sites(1, org_id), params={"status": "inactive", "sort": "name"}, headers=headers
    )
    v2 = await client.get(
        sites(2, org_id), params={"status": "paused", "sort": "name"}, headers=headers
    )
    assert [s["name"] for s in v1.json()["data"]] == ["a", "b"]
    assert [s["name"] for s in v2.json()["data"]] == ["a", "b"]
    assert v1.json()["meta"]["total"] == 2
    assert (
        await client.get(sites(1, org_id), params={"status": "paused"}, headers=headers)
    ).status_code == 422


async def test_sorting_by_status_agrees_in_both_versions(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    for name, status in (("p", "inactive"), ("a", "active"), ("r", "archived")):
        await client.post(
            sites(1, org_id),
            json={"name": name, "timezone": "UTC", "status": status},
            headers=headers,
        )
    v1 = (await client.get(sites(1, org_id), params={"sort": "status"}, headers=headers)).json()
    v2 = (await client.get(sites(2, org_id), params={"sort": "status"}, headers=headers)).json()
    assert [s["name"] for s in v1["data"]] == [s["name"] for s in v2["data"]] == ["a", "r", "p"]


async def test_a_v1_cursor_continues_in_v2_and_back(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    for index in range(4):
        await client.post(
            sites(1, org_id), json={"name": f"s{index}", "timezone": "UTC"}, headers=headers
        )
    params = {"per_page": 2, "sort": "name"}
    v1 = (await client.get(sites(1, org_id), params=params, headers=headers)).json()
    v2 = await client.get(
        sites(2, org_id), params={**params, "cursor": v1["meta"]["next_cursor"]}, headers=headers
    )
    assert [s["name"] for s in v2.json()["data"]] == ["s2", "s3"]
    first = (await client.get(sites(2, org_id), params=params, headers=headers)).json()
    back = await client.get(
        sites(1, org_id), params={**params, "cursor": first["meta"]["next_cursor"]}, headers=headers
    )
    assert [s["name"] for s in back.json()["data"]] == ["s2", "s3"]
    assert back.json()["meta"]["page"] == 2


async def test_a_token_from_either_login_works_in_both(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    for login in (1, 2):
        tokens = await client.post(
            f"/api/v{login}/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        headers = {"Authorization": f"Bearer {tokens.json()['data']['access_token']}"}
        for version in (1, 2):
            me = await client.get(f"/api/v{version}/users/me", headers=headers)
            assert me.status_code == 200
            assert me.json()["data"]["id"] == str(user.id)


async def test_one_invalid_request_in_each_versions_problem_form(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    body = {"name": "", "timezone": "UTC", "country": "DE"}
    v1 = (await client.post(sites(1, org_id), json=body, headers=headers)).json()
    v2 = (await client.post(sites(2, org_id), json=body, headers=headers)).json()
    assert {(e["field"], e["type"]) for e in v1["errors"]} == {
        ("body.name", "string_too_short"),
        ("body.country", "extra_forbidden"),  # v1 accepts no country
    }
    assert v2["errors"] == [
        {
            "pointer": "/name",
            "detail": "String should have at least 1 character",
            "type": "string_too_short",
        }
    ]
    query = {"per_page": 101}
    v1_query = (await client.get(sites(1, org_id), params=query, headers=headers)).json()
    v2_query = (await client.get(sites(2, org_id), params=query, headers=headers)).json()
    assert [(e["field"], e["message"]) for e in v1_query["errors"]] == [
        ("query.per_page", "Input should be less than or equal to 100")
    ]
    assert [(e["parameter"], e["detail"]) for e in v2_query["errors"]] == [
        ("per_page", "Input should be less than or equal to 100")
    ]


async def test_v1_pages_by_number_what_v2_wrote(
    client: httpx.AsyncClient, org: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org
    for index in range(5):
        await client.post(
            sites(2, org_id),
            json={"name": f"s{index}", "timezone": "UTC", "country": "DE"},
            headers=headers,
        )
    third = await client.get(
        sites(1, org_id), params={"page": 3, "per_page": 2, "sort": "name"}, headers=headers
    )
    assert [s["name"] for s in third.json()["data"]] == ["s4"]
    assert third.json()["meta"]["page"] == 3
    assert third.json()["meta"]["total_pages"] == 3
    assert third.json()["links"]["prev"].endswith("sort=name&page=2&per_page=2")
