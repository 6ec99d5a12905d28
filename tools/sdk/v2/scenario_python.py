"""A client team's v2 scenario through the generated Python SDK (openapi-python-client, defaults).

    SDK_BASE_URL=... SDK_ADMIN_EMAIL=... SDK_ADMIN_PASSWORD=... \
        python tools/sdk/v2/scenario_python.py

Expects the SDK generated from v2's document importable (scripts/sdk.py puts build/sdk/v2/python
on sys.path). Signs in, creates an organization and sites with a `country`, walks the sites by
cursor (`next_cursor`, `include_total`), pauses a site (`paused`) with the If-Match v2 requires
(428 without it, 412 with a stale ETag), creates with an Idempotency-Key twice (one site, the
second answer replayed), reads a 422 whose errors point
with JSON Pointer and name parameters, and checks that a site created through v1 reads `paused`
with country null. Exits non-zero on the first surprise, naming the step.
"""

from __future__ import annotations

import os
import sys
from http import HTTPStatus
from typing import Any, TypeVar

import httpx
from orgsites_api_client import AuthenticatedClient, Client
from orgsites_api_client.api.auth import login
from orgsites_api_client.api.organizations import create_organization
from orgsites_api_client.api.sites import create_site, get_site, list_sites, update_site
from orgsites_api_client.models import (
    ListSitesSort,
    LoginRequest,
    OrganizationCreate,
    OrganizationEnvelope,
    Problem,
    SiteCreate,
    SiteEnvelope,
    SitePage,
    SiteStatus,
    SiteUpdate,
    TokenPairEnvelope,
)
from orgsites_api_client.types import UNSET, Response

T = TypeVar("T")
CITIES = {"Berlin": "DE", "Paris": "FR", "Rome": "IT", "Madrid": "ES", "Lisbon": "PT"}


def expect(step: str, response: Response[Any], status: int, kind: type[T]) -> T:
    """The parsed body of a response with the expected status and type, or exit naming step."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, kind):
        sys.exit(
            f"{step}: expected {status} {kind.__name__}, got {response.status_code} {parsed!r}"
        )
    print(f"ok  {step}")
    return parsed


def main(base: str, admin_email: str, admin_password: str) -> None:
    """Run every step against the server at base."""
    tokens = expect(
        "sign in (v2)",
        login.sync_detailed(
            client=Client(base), body=LoginRequest(email=admin_email, password=admin_password)
        ),
        HTTPStatus.OK,
        TokenPairEnvelope,
    ).data
    admin = AuthenticatedClient(base, token=tokens.access_token)
    org = expect(
        "create an organization",
        create_organization.sync_detailed(client=admin, body=OrganizationCreate(name="SDK v2")),
        HTTPStatus.CREATED,
        OrganizationEnvelope,
    ).data
    for city, country in CITIES.items():
        site = expect(
            f"create site {city} in {country}",
            create_site.sync_detailed(
                org.id,
                client=admin,
                body=SiteCreate(name=city, timezone=f"Europe/{city}", country=country),
            ),
            HTTPStatus.CREATED,
            SiteEnvelope,
        ).data
        if site.country != country:
            sys.exit(f"create: country {site.country!r}, expected {country}")

    names: list[str] = []
    cursor: str | None = None
    while True:
        page = expect(
            "list the sites by cursor",
            list_sites.sync_detailed(
                org.id,
                client=admin,
                per_page=2,
                sort=ListSitesSort.NAME,
                cursor=cursor if cursor is not None else UNSET,
                include_total=True,
            ),
            HTTPStatus.OK,
            SitePage,
        )
        names += [site.name for site in page.data]
        if page.meta.total != len(CITIES):
            sys.exit(f"cursor list: total {page.meta.total!r}")
        cursor = page.meta.next_cursor if isinstance(page.meta.next_cursor, str) else None
        if cursor is None:
            break
    if names != sorted(CITIES):
        sys.exit(f"cursor list: unexpected names {names}")
    without = expect(
        "a list without include_total has no total",
        list_sites.sync_detailed(org.id, client=admin),
        HTTPStatus.OK,
        SitePage,
    )
    if without.meta.total is not UNSET:
        sys.exit(f"total without include_total: {without.meta.total!r}")

    first = without.data[0]
    site_url = f"{base}/api/v2/organizations/{org.id}/sites/{first.id}"
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    # The SDK makes If-Match a required argument; a client bypassing it gets 428.
    bare = httpx.patch(site_url, json={"status": "paused"}, headers=bearer)
    if bare.status_code != 428 or bare.json()["code"] != "precondition_required":
        sys.exit(f"PATCH without If-Match: {bare.status_code} {bare.text}")
    print("ok  428 precondition_required without If-Match")
    read = get_site.sync_detailed(org.id, first.id, client=admin)
    etag = read.headers["etag"]
    paused_response = update_site.sync_detailed(
        org.id, first.id, client=admin, body=SiteUpdate(status=SiteStatus.PAUSED), if_match=etag
    )
    paused = expect("pause a site with If-Match", paused_response, HTTPStatus.OK, SiteEnvelope).data
    if paused.status != SiteStatus.PAUSED or paused.country != first.country:
        sys.exit(f"pause: unexpected site {paused!r}")
    expect(
        "412 for a stale If-Match",
        update_site.sync_detailed(
            org.id, first.id, client=admin, body=SiteUpdate(name="Lost"), if_match=etag
        ),
        HTTPStatus.PRECONDITION_FAILED,
        Problem,
    )
    key = f"sdk-v2-{org.id}"
    body = SiteCreate(name="Oslo", timezone="Europe/Oslo", country="NO")
    once = expect(
        "create with an Idempotency-Key",
        create_site.sync_detailed(org.id, client=admin, body=body, idempotency_key=key),
        HTTPStatus.CREATED,
        SiteEnvelope,
    )
    again = create_site.sync_detailed(org.id, client=admin, body=body, idempotency_key=key)
    replayed = expect("repeat it", again, HTTPStatus.CREATED, SiteEnvelope)
    if replayed.data.id != once.data.id or again.headers.get("idempotent-replayed") != "true":
        sys.exit(f"replay: {again.status_code} {again.headers!r}")

    invalid = expect(
        "422 for an unknown country",
        create_site.sync_detailed(
            org.id, client=admin, body=SiteCreate(name="Nowhere", timezone="UTC", country="XX")
        ),
        HTTPStatus.UNPROCESSABLE_ENTITY,
        Problem,
    )
    if not invalid.errors or invalid.errors[0].pointer != "/country":
        sys.exit(f"422: unexpected errors {invalid.errors!r}")
    oversized = expect(
        "422 for a page size over 100",
        list_sites.sync_detailed(org.id, client=admin, per_page=1000),
        HTTPStatus.UNPROCESSABLE_ENTITY,
        Problem,
    )
    if not oversized.errors or oversized.errors[0].parameter != "per_page":
        sys.exit(f"422: unexpected errors {oversized.errors!r}")

    # A site created through v1 (plain HTTP: the v1 SDK is another package) reads in v2.
    old = httpx.post(
        f"{base}/api/v1/organizations/{org.id}/sites",
        json={"name": "Old", "timezone": "UTC", "status": "inactive"},
        headers={"Authorization": f"Bearer {tokens.access_token}"},
    )
    if old.status_code != HTTPStatus.CREATED:
        sys.exit(f"create through v1: {old.status_code} {old.text}")
    seen = expect(
        "a v1 site reads paused without a country",
        get_site.sync_detailed(org.id, old.json()["data"]["id"], client=admin),
        HTTPStatus.OK,
        SiteEnvelope,
    ).data
    if seen.status != SiteStatus.PAUSED or seen.country is not None:
        sys.exit(f"v1 site in v2: {seen!r}")
    print("the v2 Python SDK scenario passed")


if __name__ == "__main__":
    main(
        os.environ["SDK_BASE_URL"],
        os.environ["SDK_ADMIN_EMAIL"],
        os.environ["SDK_ADMIN_PASSWORD"],
    )
