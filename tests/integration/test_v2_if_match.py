"""v2 change 4: PATCH and DELETE of a single resource need If-Match in v2 (428
`precondition_required`, nothing changed), v1 keeps it optional; ETags and Idempotency-Key
records are shared by both versions over the one row."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.domain.rbac import Role
from generated.v2.operations import OPERATIONS
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

REQUIRING = sorted(op_id for op_id, op in OPERATIONS.items() if op.if_match_required)


def test_every_single_resource_write_of_v2_requires_if_match() -> None:
    writes = {
        op_id
        for op_id, op in OPERATIONS.items()
        if op.resource is not None and op.method in ("PATCH", "DELETE")
    }
    assert set(REQUIRING) == writes
    assert len(writes) == 9
    assert all(428 in OPERATIONS[op_id].statuses for op_id in REQUIRING)


@pytest.fixture
async def site(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], str, orm.Site]:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    made = await make_site(db, org, name="Before")
    return await auth_headers(app, user), f"/organizations/{org.id}/sites/{made.id}", made


async def _name(db: AsyncSession, site_id: uuid.UUID) -> str | None:
    db.expire_all()
    return await db.scalar(select(orm.Site.name).where(orm.Site.id == site_id))


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_a_v2_write_without_if_match_is_428_and_changes_nothing(
    client: httpx.AsyncClient,
    db: AsyncSession,
    site: tuple[dict[str, str], str, orm.Site],
    method: str,
) -> None:
    headers, path, made = site
    body = {"name": "After"} if method == "PATCH" else None
    response = await client.request(method, f"/api/v2{path}", json=body, headers=headers)
    assert response.status_code == 428, response.text
    assert response.json()["code"] == "precondition_required"
    assert response.headers["content-type"] == "application/problem+json"
    assert await _name(db, made.id) == "Before"


async def test_a_v2_write_with_if_match_behaves_as_in_retries(
    client: httpx.AsyncClient, db: AsyncSession, site: tuple[dict[str, str], str, orm.Site]
) -> None:
    headers, path, made = site
    read = await client.get(f"/api/v2{path}", headers=headers)
    etag = read.headers["etag"]
    changed = await client.patch(
        f"/api/v2{path}", json={"name": "After"}, headers={**headers, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    stale = await client.patch(
        f"/api/v2{path}", json={"name": "Lost"}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert await _name(db, made.id) == "After"
    gone = await client.delete(f"/api/v2{path}", headers={**headers, "If-Match": "*"})
    assert gone.status_code == 204


async def test_v1_keeps_if_match_optional(
    client: httpx.AsyncClient, db: AsyncSession, site: tuple[dict[str, str], str, orm.Site]
) -> None:
    headers, path, made = site
    changed = await client.patch(f"/api/v1{path}", json={"name": "After"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert await _name(db, made.id) == "After"
    assert (await client.delete(f"/api/v1{path}", headers=headers)).status_code == 204


async def test_a_non_member_gets_404_not_428(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    site: tuple[dict[str, str], str, orm.Site],
) -> None:
    _, path, _ = site
    stranger = await auth_headers(app, await make_user(db))
    response = await client.patch(f"/api/v2{path}", json={"name": "X"}, headers=stranger)
    assert response.status_code == 404, response.text
    anonymous = await client.patch(f"/api/v2{path}", json={"name": "X"})
    assert anonymous.status_code == 401


async def test_a_plain_member_gets_403_not_428(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    site: tuple[dict[str, str], str, orm.Site],
) -> None:
    _, path, made = site
    member = await make_user(db)
    org = await db.get(orm.Organization, made.organization_id)
    assert org is not None
    await add_member(db, org, member, Role.MEMBER)
    response = await client.delete(f"/api/v2{path}", headers=await auth_headers(app, member))
    assert response.status_code == 403, response.text


async def test_one_etag_for_one_row_in_both_versions(
    client: httpx.AsyncClient, site: tuple[dict[str, str], str, orm.Site]
) -> None:
    headers, path, _ = site
    v1 = await client.get(f"/api/v1{path}", headers=headers)
    v2 = await client.get(f"/api/v2{path}", headers=headers)
    assert v1.headers["etag"] == v2.headers["etag"]
    # an ETag read through v1 is a valid If-Match for v2, and the reverse
    through_v2 = await client.patch(
        f"/api/v2{path}",
        json={"country": "DE"},
        headers={**headers, "If-Match": v1.headers["etag"]},
    )
    assert through_v2.status_code == 200, through_v2.text
    assert through_v2.headers["etag"] != v1.headers["etag"]  # a v2-only field changed it
    not_modified = await client.get(
        f"/api/v1{path}", headers={**headers, "If-None-Match": through_v2.headers["etag"]}
    )
    assert not_modified.status_code == 304


async def test_an_idempotency_key_replays_in_v2_and_never_writes_twice_across_versions(
    client: httpx.AsyncClient, db: AsyncSession, site: tuple[dict[str, str], str, orm.Site]
) -> None:
    headers, path, made = site
    org_id = made.organization_id
    base = path.rsplit("/", 2)[0] + "/sites"
    keyed = {**headers, "Idempotency-Key": "v2-retry-1"}
    body = {"name": "Oslo", "timezone": "Europe/Oslo", "country": "NO"}
    first = await client.post(f"/api/v2{base}", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post(f"/api/v2{base}", json=body, headers=keyed)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    # Records are per version (docs/request-runtime.md): the other version's retry is refused.
    v1_body = {"name": "Oslo", "timezone": "Europe/Oslo"}
    across = await client.post(f"/api/v1{base}", json=v1_body, headers=keyed)
    assert across.status_code == 422, across.text
    assert across.json()["code"] == "idempotency_key_reused"
    db.expire_all()
    named = select(orm.Site.id).where(orm.Site.organization_id == org_id, orm.Site.name == "Oslo")
    assert len((await db.scalars(named)).all()) == 1
