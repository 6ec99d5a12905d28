"""Cursor (keyset) pagination beside page numbers, stable total orders, and exact totals from
the per-status site counters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

SITE_SORTS = ["name", "-name", "status", "-status", "created_at", "-created_at"]


@pytest.fixture
async def org_with_sites(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], uuid.UUID]:
    """Thirteen sites with repeated names and statuses, so only the id breaks ties."""
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    for n in range(13):
        await make_site(
            db, org, name=f"Site {n % 4}", status=("active", "inactive", "archived")[n % 3]
        )
    return await auth_headers(app, owner), org.id


async def _walk_by_cursor(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], params: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every id, reading page 1 by number and then following meta.next_cursor / links.next."""
    response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [item["id"] for item in body["data"]]
    metas = [body["meta"]]
    cursor = body["meta"]["next_cursor"]
    if cursor is not None:
        response = await client.get(url, params={**params, "cursor": cursor}, headers=headers)
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            ids += [item["id"] for item in body["data"]]
            metas.append(body["meta"])
            if body["links"]["next"] is None:
                break
            assert "cursor=" in body["links"]["next"] and "&page=" not in body["links"]["next"]
            response = await client.get(body["links"]["next"], headers=headers)
    return ids, metas


@pytest.mark.parametrize("sort", SITE_SORTS)
async def test_cursor_walk_matches_the_page_walk(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID], sort: str
) -> None:
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"
    by_page = []
    for page in range(1, 4):
        response = await client.get(
            url, params={"sort": sort, "per_page": 5, "page": page}, headers=headers
        )
        by_page += [item["id"] for item in response.json()["data"]]
    everything = await client.get(url, params={"sort": sort, "per_page": 100}, headers=headers)
    assert by_page == [item["id"] for item in everything.json()["data"]]  # page 3 walks back
    by_cursor, metas = await _walk_by_cursor(client, url, headers, {"sort": sort, "per_page": 5})
    assert by_cursor == by_page
    assert len(set(by_cursor)) == 13
    assert [meta["page"] for meta in metas] == [1, 2, 3]
    assert {meta["total"] for meta in metas} == {13}
    assert metas[-1]["next_cursor"] is None


async def test_ties_are_broken_by_id_in_the_sort_direction(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"
    for sort, reverse in (("name", False), ("-name", True)):
        data = (
            await client.get(url, params={"sort": sort, "per_page": 100}, headers=headers)
        ).json()
        keys = [(item["name"], uuid.UUID(item["id"])) for item in data["data"]]
        assert keys == sorted(keys, reverse=reverse)


async def test_cursor_keeps_filters_and_search(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"
    params = {"status": "active", "q": "site", "per_page": 2, "sort": "-name"}
    ids, metas = await _walk_by_cursor(client, url, headers, params)
    assert len(ids) == len(set(ids)) == 5
    assert {meta["total"] for meta in metas} == {5}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage0",
        "WzEsIngiLDIsImEiLCJiIl0",  # [1,"x",2,"a","b"]: bound to another listing
        "bm90IGpzb24",  # "not json"
        "e30",  # {}
        "A" * 1000,
    ],
)
async def test_cursors_of_the_right_shape_naming_no_position_are_a_404_problem(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID], cursor: str
) -> None:
    headers, org_id = org_with_sites
    response = await client.get(
        f"/api/v1/organizations/{org_id}/sites", params={"cursor": cursor}, headers=headers
    )
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "cursor_not_found"


@pytest.mark.parametrize("cursor", ["A", "AAAAA", "has=padding", "not.base64"])
async def test_strings_not_of_the_cursor_shape_are_a_422_problem(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID], cursor: str
) -> None:
    headers, org_id = org_with_sites
    response = await client.get(
        f"/api/v1/organizations/{org_id}/sites", params={"cursor": cursor}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"


async def test_a_cursor_only_serves_the_listing_that_issued_it(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"
    first = (await client.get(url, params={"sort": "name", "per_page": 5}, headers=headers)).json()
    cursor = first["meta"]["next_cursor"]
    for other in ({"sort": "-name"}, {"status": "active"}, {"q": "x"}, {"per_page": 6}):
        params = {"sort": "name", "per_page": 5, "cursor": cursor} | other
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 404, other
        assert response.json()["code"] == "cursor_not_found"


async def test_site_totals_follow_create_status_change_and_delete(
    client: httpx.AsyncClient, org_with_sites: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"

    async def totals() -> dict[str | None, int]:
        found: dict[str | None, int] = {}
        for status in (None, "active", "inactive", "archived"):
            params = {"status": status} if status else {}
            response = await client.get(url, params=params, headers=headers)
            found[status] = response.json()["meta"]["total"]
        return found

    assert await totals() == {None: 13, "active": 5, "inactive": 4, "archived": 4}
    body = {"name": "New", "timezone": "Europe/Berlin", "status": "inactive"}
    created = (await client.post(url, json=body, headers=headers)).json()["data"]
    assert await totals() == {None: 14, "active": 5, "inactive": 5, "archived": 4}
    await client.patch(f"{url}/{created['id']}", json={"status": "archived"}, headers=headers)
    await client.patch(f"{url}/{created['id']}", json={"name": "Renamed"}, headers=headers)
    assert await totals() == {None: 14, "active": 5, "inactive": 4, "archived": 5}
    await client.delete(f"{url}/{created['id']}", headers=headers)
    assert await totals() == {None: 13, "active": 5, "inactive": 4, "archived": 4}


@pytest.mark.parametrize(
    ("path", "sorts"),
    [
        ("/api/v1/users", ["email", "-email", "full_name", "-created_at"]),
        ("/api/v1/organizations", ["name", "-slug", "created_at"]),
        ("members", ["email", "-joined_at", "role", "-role"]),
    ],
)
async def test_cursor_walks_every_list(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession, path: str, sorts: list[str]
) -> None:
    admin = await make_user(db, is_superadmin=True)
    org = await make_org(db, owner=admin)
    for n in range(6):
        user = await make_user(db, full_name=f"Person {n % 2}")
        await add_member(db, org, user, Role.MEMBER if n % 2 else Role.ADMIN)
        await make_org(db, owner=user, name=f"Org {n % 3}")
    url = f"/api/v1/organizations/{org.id}/members" if path == "members" else path
    key = "user_id" if path == "members" else "id"
    headers = await auth_headers(app, admin)
    for sort in sorts:
        everything = await client.get(url, params={"sort": sort, "per_page": 100}, headers=headers)
        expected = [item[key] for item in everything.json()["data"]]
        walked, _ = await _walk_by_cursor_keyed(client, url, headers, sort, key)
        assert walked == expected, sort


async def _walk_by_cursor_keyed(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], sort: str, key: str
) -> tuple[list[str], int]:
    params: dict[str, Any] = {"sort": sort, "per_page": 2}
    found: list[str] = []
    pages = 0
    while True:
        body = (await client.get(url, params=params, headers=headers)).json()
        found += [item[key] for item in body["data"]]
        pages += 1
        if body["meta"]["next_cursor"] is None:
            return found, pages
        params = {"sort": sort, "per_page": 2, "cursor": body["meta"]["next_cursor"]}


@pytest.mark.parametrize("params", [{}, {"status": "active"}, {"q": "Site"}])
async def test_a_cursor_page_left_empty_still_has_the_exact_total(
    client: httpx.AsyncClient,
    org_with_sites: tuple[dict[str, str], uuid.UUID],
    params: dict[str, Any],
) -> None:
    # A first or cursor page reads its total with its rows; with no rows left to carry it, the
    # total is read on its own, and must still be exact.
    headers, org_id = org_with_sites
    url = f"/api/v1/organizations/{org_id}/sites"
    listed = {**params, "sort": "created_at", "per_page": 100}
    everything = (await client.get(url, params=listed, headers=headers)).json()
    rest, last_two = everything["data"][:-2], everything["data"][-2:]
    assert len(last_two) == 2 and rest
    first = await client.get(
        url, params={**listed, "per_page": len(everything["data"]) - 2}, headers=headers
    )
    cursor = first.json()["meta"]["next_cursor"]
    assert cursor is not None and first.json()["meta"]["total"] == everything["meta"]["total"]
    for site in last_two:
        deleted = await client.delete(f"{url}/{site['id']}", headers=headers)
        assert deleted.status_code == 204
    after = await client.get(
        url,
        params={**listed, "per_page": len(everything["data"]) - 2, "cursor": cursor},
        headers=headers,
    )
    assert after.status_code == 200, after.text
    assert after.json()["data"] == []
    assert after.json()["meta"]["total"] == everything["meta"]["total"] - 2
    assert after.json()["meta"]["next_cursor"] is None
