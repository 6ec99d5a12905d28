"""ETags and conditional requests on every single resource (issue 23): an ETag on every answer
carrying one, changed by any change of its representation; If-None-Match -> 304 without a body,
after authorization; If-Match -> 412 `precondition_failed` that changes nothing; `*`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user


@pytest.fixture
async def owner(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], orm.Organization]:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    return await auth_headers(app, user), org


async def test_site_etag_changes_with_every_change_and_only_then(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    base = f"/api/v1/organizations/{org.id}/sites"
    created = await client.post(
        base, json={"name": "HQ", "timezone": "Europe/Berlin"}, headers=headers
    )
    assert created.status_code == 201
    tag = created.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    url = created.headers["location"]
    fetched = await client.get(url, headers=headers)
    assert fetched.headers["etag"] == tag
    unchanged = await client.patch(url, json={"name": "HQ"}, headers=headers)
    assert unchanged.headers["etag"] == tag
    renamed = await client.patch(url, json={"name": "Head office"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.headers["etag"] != tag
    assert (await client.get(url, headers=headers)).headers["etag"] == renamed.headers["etag"]
    archived = await client.patch(url, json={"status": "archived"}, headers=headers)
    assert archived.headers["etag"] not in {tag, renamed.headers["etag"]}


async def test_if_none_match_answers_304_without_a_body(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    first = await client.get(url, headers=headers)
    tag = first.headers["etag"]
    for value in (tag, f'"other", {tag}', f"W/{tag}", "*"):
        again = await client.get(url, headers={**headers, "If-None-Match": value})
        assert again.status_code == 304, value
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert "content-type" not in again.headers
    stale = await client.get(url, headers={**headers, "If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()


async def test_a_non_member_gets_404_whatever_the_conditional_headers(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    tag = (await client.get(url, headers=headers)).headers["etag"]
    stranger = await auth_headers(app, await make_user(db))
    for conditional in ({"If-None-Match": tag}, {"If-None-Match": "*"}, {"If-Match": tag}):
        read = await client.get(url, headers={**stranger, **conditional})
        assert read.status_code == 404, conditional
        assert read.json()["code"] == "organization_not_found"
        write = await client.patch(url, json={"name": "x"}, headers={**stranger, **conditional})
        assert write.status_code == 404
    assert (await client.get(url, headers=headers)).json()["data"]["name"] == site.name


async def test_if_match_refuses_a_stale_write_and_changes_nothing(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    read = await client.get(url, headers=headers)
    tag = read.headers["etag"]
    first = await client.patch(url, json={"name": "First"}, headers={**headers, "If-Match": tag})
    assert first.status_code == 200
    second = await client.patch(url, json={"name": "Second"}, headers={**headers, "If-Match": tag})
    assert second.status_code == 412
    assert second.json()["code"] == "precondition_failed"
    assert second.headers["content-type"] == "application/problem+json"
    assert (await client.get(url, headers=headers)).json()["data"]["name"] == "First"
    weak = await client.patch(
        url, json={"name": "Weak"}, headers={**headers, "If-Match": f"W/{first.headers['etag']}"}
    )
    assert weak.status_code == 412  # If-Match compares strongly
    listed = await client.patch(
        url,
        json={"name": "Listed"},
        headers={**headers, "If-Match": f'"x", {first.headers["etag"]}'},
    )
    assert listed.status_code == 200
    anything = await client.patch(url, json={"name": "Any"}, headers={**headers, "If-Match": "*"})
    assert anything.status_code == 200
    refused = await client.delete(url, headers={**headers, "If-Match": tag})
    assert refused.status_code == 412
    assert (await client.get(url, headers=headers)).status_code == 200
    deleted = await client.delete(url, headers={**headers, "If-Match": anything.headers["etag"]})
    assert deleted.status_code == 204
    gone = await client.patch(url, json={"name": "x"}, headers={**headers, "If-Match": "*"})
    assert gone.status_code == 404


async def test_without_if_match_writes_behave_as_before(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    assert (await client.patch(url, json={"name": "A"}, headers=headers)).status_code == 200
    assert (await client.patch(url, json={"name": "B"}, headers=headers)).status_code == 200
    assert (await client.delete(url, headers=headers)).status_code == 204


async def _cycle(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    change: dict[str, Any],
    *,
    delete: bool = True,
) -> None:
    """GET, 304, a stale-proof PATCH, a 412 with the old tag, then DELETE guarded likewise."""
    read = await client.get(url, headers=headers)
    assert read.status_code == 200, read.text
    tag = read.headers["etag"]
    cached = await client.get(url, headers={**headers, "If-None-Match": tag})
    assert cached.status_code == 304
    changed = await client.patch(url, json=change, headers={**headers, "If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != tag
    stale = await client.patch(url, json=change, headers={**headers, "If-Match": tag})
    assert stale.status_code == 412
    if delete:
        assert (await client.delete(url, headers={**headers, "If-Match": tag})).status_code == 412
        current = {**headers, "If-Match": changed.headers["etag"]}
        assert (await client.delete(url, headers=current)).status_code == 204


async def test_users_organizations_and_members_speak_etags(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    root = await make_user(db, is_superadmin=True)
    root_headers = await auth_headers(app, root)
    user = await make_user(db)
    await _cycle(client, f"/api/v1/users/{user.id}", root_headers, {"full_name": "Renamed"})
    await _cycle(client, f"/api/v1/organizations/{org.id}", headers, {"name": "Renamed"})
    other = await make_org(db, owner=root)
    member = await make_user(db)
    await add_member(db, other, member, Role.MEMBER)
    await _cycle(
        client,
        f"/api/v1/organizations/{other.id}/members/{member.id}",
        root_headers,
        {"role": "admin"},
    )
    me_headers = await auth_headers(app, await make_user(db))
    await _cycle(client, "/api/v1/users/me", me_headers, {"full_name": "Me"}, delete=False)


async def test_a_members_etag_follows_its_users_name(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
) -> None:
    headers, org = owner
    user = await make_user(db)
    await add_member(db, org, user, Role.MEMBER)
    url = f"/api/v1/organizations/{org.id}/members/{user.id}"
    tag = (await client.get(url, headers=headers)).headers["etag"]
    own = await auth_headers(app, user)
    renamed = await client.patch("/api/v1/users/me", json={"full_name": "New"}, headers=own)
    assert renamed.status_code == 200
    after = await client.get(url, headers={**headers, "If-None-Match": tag})
    assert after.status_code == 200
    assert after.json()["data"]["full_name"] == "New"
    assert after.headers["etag"] != tag


async def test_the_version_column_counts_changes(
    client: httpx.AsyncClient, db: AsyncSession, owner: tuple[dict[str, str], orm.Organization]
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    for name in ("a", "b", "c"):
        assert (await client.patch(url, json={"name": name}, headers=headers)).status_code == 200
    version = await db.scalar(
        select(orm.Site.version)
        .where(orm.Site.id == site.id)
        .execution_options(populate_existing=True)
    )
    assert version == 4
    assert uuid.UUID(str(site.id))


@pytest.mark.parametrize("value", ["abc", '"a" "b"', "W/abc", "0", ""])
async def test_a_malformed_precondition_matches_nothing(
    client: httpx.AsyncClient,
    db: AsyncSession,
    owner: tuple[dict[str, str], orm.Organization],
    value: str,
) -> None:
    headers, org = owner
    site = await make_site(db, org)
    url = f"/api/v1/organizations/{org.id}/sites/{site.id}"
    read = await client.get(url, headers={**headers, "If-None-Match": value})
    assert read.status_code == 200
    for method in ("PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        response = await client.request(
            method, url, json=body, headers={**headers, "If-Match": value}
        )
        assert response.status_code == 412, (method, value)
    assert (await client.get(url, headers=headers)).json()["data"]["name"] == site.name
