"""v2 sites: country, the `paused` status, cursor-only lists, JSON Pointer problems, headers."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.rbac import Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

DEPRECATION_HEADERS = ("deprecation", "sunset", "link")


@pytest.fixture
async def owner(app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], uuid.UUID]:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    return await auth_headers(app, user), org.id


async def test_create_get_update_delete_a_site_with_a_country(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner
    base = f"/api/v2/organizations/{org_id}/sites"
    body = {"name": "HQ", "address": "1 Main St", "timezone": "Europe/Berlin", "country": "DE"}
    created = await client.post(base, json=body, headers=headers)
    assert created.status_code == 201, created.text
    site = created.json()["data"]
    assert site["country"] == "DE"
    assert site["status"] == "active"
    assert created.headers["location"] == f"{base}/{site['id']}"
    assert created.headers["x-api-version"] == "2"
    assert (await client.get(f"{base}/{site['id']}", headers=headers)).json()["data"] == site

    patched = await client.patch(
        f"{base}/{site['id']}",
        json={"status": "paused", "country": "FR"},
        headers={**headers, "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["data"]["status"], patched.json()["data"]["country"]) == ("paused", "FR")
    assert patched.headers["etag"] != created.headers["etag"]  # the country changed: a new ETag
    renamed = await client.patch(
        f"{base}/{site['id']}",
        json={"name": "Paris"},
        headers={**headers, "If-Match": patched.headers["etag"]},
    )
    assert renamed.json()["data"]["country"] == "FR"  # optional in PATCH: left as it was

    gone = await client.delete(
        f"{base}/{site['id']}", headers={**headers, "If-Match": renamed.headers["etag"]}
    )
    assert gone.status_code == 204
    missing = await client.get(f"{base}/{site['id']}", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "site_not_found"


@pytest.mark.parametrize(
    ("country", "kind"),
    [("XX", "value_error"), ("de", "value_error"), ("DEU", "value_error")],
)
async def test_a_country_is_an_iso_3166_alpha_2_code_in_upper_case(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID], country: str, kind: str
) -> None:
    headers, org_id = owner
    body = {"name": "HQ", "timezone": "Europe/Berlin", "country": country}
    response = await client.post(
        f"/api/v2/organizations/{org_id}/sites", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["pointer"] == "/country"
    assert error["type"] == kind


async def test_a_country_is_required_to_create_and_never_null(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner
    base = f"/api/v2/organizations/{org_id}/sites"
    missing = await client.post(base, json={"name": "HQ", "timezone": "UTC"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"pointer": "/country", "detail": "Field required", "type": "missing"}
    ]
    site = (
        await client.post(
            base, json={"name": "HQ", "timezone": "UTC", "country": "DE"}, headers=headers
        )
    ).json()["data"]
    cleared = await client.patch(
        f"{base}/{site['id']}", json={"country": None}, headers={**headers, "If-Match": "*"}
    )
    assert cleared.status_code == 422
    assert cleared.json()["errors"][0]["pointer"] == "/country"


async def test_inactive_is_not_a_v2_status(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner
    base = f"/api/v2/organizations/{org_id}/sites"
    body = {"name": "HQ", "timezone": "UTC", "country": "DE", "status": "inactive"}
    refused = await client.post(base, json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/status"
    filtered = await client.get(base, params={"status": "inactive"}, headers=headers)
    assert filtered.status_code == 422
    assert filtered.json()["errors"][0]["parameter"] == "status"


async def test_lists_are_cursor_only(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db)
    org = await make_org(db, owner=user)
    for index in range(5):
        await make_site(db, org, name=f"site {index}", status="inactive" if index % 2 else "active")
    headers = await auth_headers(app, user)
    base = f"/api/v2/organizations/{org.id}/sites"

    refused = await client.get(base, params={"page": 2}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"parameter": "page", "detail": "Unknown query parameter", "type": "extra_forbidden"}
    ]

    first = await client.get(base, params={"per_page": 2, "sort": "name"}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body["meta"]) == {"per_page", "next_cursor"}  # no total unless asked for
    assert body["links"] == {
        "self": f"{base}?sort=name&per_page=2",
        "next": f"{base}?sort=name&cursor={body['meta']['next_cursor']}&per_page=2",
    }
    names = [site["name"] for site in body["data"]]
    url: str | None = body["links"]["next"]
    while url is not None:
        page = (await client.get(url, headers=headers)).json()
        assert page["links"]["self"] == url
        names += [site["name"] for site in page["data"]]
        url = page["links"]["next"]
        assert (url is None) == (page["meta"]["next_cursor"] is None)
    assert names == [f"site {index}" for index in range(5)]

    counted = await client.get(base, params={"include_total": "true"}, headers=headers)
    assert counted.json()["meta"] == {"per_page": 10, "next_cursor": None, "total": 5}
    paused = await client.get(
        base, params={"status": "paused", "include_total": "true"}, headers=headers
    )
    assert [site["status"] for site in paused.json()["data"]] == ["paused", "paused"]
    assert paused.json()["meta"]["total"] == 2


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v2/users", "listUsers"),
        ("/api/v2/organizations", "listOrganizations"),
        ("/api/v2/organizations/{org_id}/members", "listOrganizationMembers"),
    ],
)
async def test_every_list_is_cursor_only(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, path: str, key: str
) -> None:
    superadmin = await make_user(db, is_superadmin=True)
    org = await make_org(db, owner=superadmin)
    for _ in range(3):
        await add_member(db, org, await make_user(db), Role.MEMBER)
    headers = await auth_headers(app, superadmin)
    url: str | None = path.format(org_id=org.id) + "?per_page=1&include_total=true"
    seen: list[str] = []
    total = None
    while url is not None:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (key, response.text)
        body = response.json()
        assert set(body["meta"]) == {"per_page", "next_cursor", "total"}
        assert set(body["links"]) == {"self", "next"}
        total = body["meta"]["total"]
        seen += [str(item.get("id", item.get("user_id"))) for item in body["data"]]
        url = body["links"]["next"]
    assert len(seen) == len(set(seen)) == total
    paged = await client.get(path.format(org_id=org.id), params={"page": 1}, headers=headers)
    assert paged.status_code == 422


async def test_validation_problems_point_with_json_pointer(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID]
) -> None:
    headers, org_id = owner
    base = f"/api/v2/organizations/{org_id}/sites"
    unknown = await client.post(f"{base}?per_page=x", json={}, headers=headers)
    assert unknown.json()["errors"] == [
        {"parameter": "per_page", "detail": "Unknown query parameter", "type": "extra_forbidden"}
    ]
    response = await client.post(
        base, json={"timezone": "Europe/Nowhere", "country": "DE", "extra": 1}, headers=headers
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    pointers = {error.get("pointer"): error for error in errors if "pointer" in error}
    assert set(pointers) == {"/name", "/timezone", "/extra"}
    for error in errors:
        assert set(error) in ({"pointer", "detail", "type"}, {"parameter", "detail", "type"})
    bad_id = await client.get("/api/v2/organizations/not-a-uuid/sites", headers=headers)
    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["parameter"] == "org_id"
    bad_size = await client.get(
        f"/api/v2/organizations/{org_id}/sites", params={"per_page": 0}, headers=headers
    )
    assert bad_size.json()["errors"] == [
        {
            "parameter": "per_page",
            "detail": "Input should be greater than or equal to 1",
            "type": "greater_than_equal",
        }
    ]


async def test_a_cursor_of_another_listing_names_its_parameter(
    client: httpx.AsyncClient, owner: tuple[dict[str, str], uuid.UUID], db: AsyncSession
) -> None:
    headers, org_id = owner
    base = f"/api/v2/organizations/{org_id}/sites"
    for index in range(3):
        await client.post(
            base, json={"name": f"s{index}", "timezone": "UTC", "country": "DE"}, headers=headers
        )
    cursor = (await client.get(base, params={"per_page": 1}, headers=headers)).json()["meta"][
        "next_cursor"
    ]
    other = await client.get(base, params={"per_page": 2, "cursor": cursor}, headers=headers)
    assert other.status_code == 404
    assert other.json()["code"] == "cursor_not_found"
    assert other.json()["errors"][0]["parameter"] == "cursor"


async def test_v2_responses_carry_no_deprecation_and_answer_version_2(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    headers = await auth_headers(app, await make_user(db))
    v2 = await client.get("/api/v2/users/me", headers=headers)
    assert v2.status_code == 200
    assert v2.headers["x-api-version"] == "2"
    assert not any(name in v2.headers for name in DEPRECATION_HEADERS)
    missing = await client.get("/api/v2/nothing-here")
    assert missing.headers["x-api-version"] == "2"
    assert not any(name in missing.headers for name in DEPRECATION_HEADERS)


async def test_v1_responses_are_deprecated(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    headers = await auth_headers(app, await make_user(db))
    for response in (
        await client.get("/api/v1/users/me", headers=headers),
        await client.get("/api/v1/nothing-here"),
        await client.get("/api/v1/users/me"),
    ):
        assert response.headers["deprecation"] == "@1796601600"  # 2026-12-07T00:00:00Z
        assert response.headers["sunset"] == "Tue, 07 Dec 2027 00:00:00 GMT"
        assert response.headers["link"] == (
            '</docs/migrating-to-v2>; rel="deprecation"; type="text/markdown"'
        )
    guide = await client.get("/docs/migrating-to-v2")
    assert guide.status_code == 200
    assert guide.headers["content-type"] == "text/markdown; charset=utf-8"
    assert guide.text.startswith("# Migrating from v1 to v2")


@pytest.mark.parametrize(
    ("path", "sent", "status", "answered"),
    [
        ("/api/v2/users/me", "1", 400, "2"),
        ("/api/v1/users/me", "2", 400, "1"),
        ("/api/v2/users/me", "2", 401, "2"),
        ("/health/live", "2", 200, "2"),
        ("/health/live", "1", 200, "1"),
        ("/health/live", "3", 400, "1"),
    ],
)
async def test_the_version_is_the_paths(
    client: httpx.AsyncClient, path: str, sent: str, status: int, answered: str
) -> None:
    response = await client.get(path, headers={"X-API-Version": sent})
    assert response.status_code == status
    assert response.headers["x-api-version"] == answered
    if status == 400:
        assert response.json()["code"] == "unsupported_api_version"


async def test_both_documents_are_served_byte_for_byte(client: httpx.AsyncClient) -> None:
    from app.edge.docs import GENERATED

    for version, directory in ((1, GENERATED), (2, GENERATED / "v2")):
        for name in ("openapi.json", "openapi.yaml"):
            served = await client.get(f"/api/v{version}/{name}")
            assert served.status_code == 200
            assert served.content == (directory / name).read_bytes()
    page = await client.get("/docs")
    assert '{url: "/api/v2/openapi.json", name: "v2"}' in page.text
    assert '{url: "/api/v1/openapi.json", name: "v1"}' in page.text
