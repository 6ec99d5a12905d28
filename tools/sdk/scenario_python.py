"""A client team's scenario through the generated Python SDK (openapi-python-client, defaults).

    SDK_BASE_URL=... SDK_ADMIN_EMAIL=... SDK_ADMIN_PASSWORD=... python tools/sdk/scenario_python.py

Expects `orgsites_api_client` importable (scripts/sdk.py puts build/sdk/python on sys.path).
Signs in, creates an organization, a user and a membership, creates sites and pages through
them, updates and deletes one, reads typed 403, 404 and 422 problems, rotates the refresh token,
sees a reused refresh token revoke the session, and signs out. Exits non-zero on the first
surprise, naming the step.
"""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from http import HTTPStatus
from typing import Any, TypeVar

from orgsites_api_client import AuthenticatedClient, Client
from orgsites_api_client.api.auth import login, logout, refresh_token
from orgsites_api_client.api.members import add_organization_member
from orgsites_api_client.api.organizations import create_organization
from orgsites_api_client.api.sites import (
    create_site,
    delete_site,
    get_site,
    list_sites,
    update_site,
)
from orgsites_api_client.api.users import create_user
from orgsites_api_client.models import (
    ListSitesSort,
    LoginRequest,
    LogoutRequest,
    MemberCreate,
    MemberEnvelope,
    MemberRole,
    OrganizationCreate,
    OrganizationEnvelope,
    Problem,
    RefreshRequest,
    SiteCreate,
    SiteEnvelope,
    SitePage,
    SiteStatus,
    SiteUpdate,
    TokenPair,
    TokenPairEnvelope,
    UserCreate,
    UserEnvelope,
)
from orgsites_api_client.types import Response

T = TypeVar("T")
MEMBER_PASSWORD = secrets.token_urlsafe(16)
CITIES = ("Berlin", "Paris", "Rome", "Madrid", "Lisbon", "Vienna", "Prague")


def expect(step: str, response: Response[Any], status: int, kind: type[T]) -> T:
    """The parsed body of a response with the expected status and type, or exit naming step."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, kind):
        sys.exit(
            f"{step}: expected {status} {kind.__name__}, got {response.status_code} {parsed!r}"
        )
    print(f"ok  {step}")
    return parsed


def problem(step: str, response: Response[Any], status: int, code: str) -> Problem:
    """A typed problem with the expected status and code."""
    parsed = expect(step, response, status, Problem)
    if parsed.status != status or parsed.code != code:
        sys.exit(f"{step}: expected problem {status} {code}, got {parsed.status} {parsed.code}")
    return parsed


def sign_in(base: str, who: str, email: str, password: str) -> TokenPair:
    """A token pair for the given credentials."""
    response = login.sync_detailed(
        client=Client(base), body=LoginRequest(email=email, password=password)
    )
    return expect(f"sign in as {who}", response, HTTPStatus.OK, TokenPairEnvelope).data


def retry_safely(admin: AuthenticatedClient, org_id: uuid.UUID) -> None:
    """A create repeated with one Idempotency-Key, and two edits with one If-Match."""
    key = str(uuid.uuid4())
    body = SiteCreate(name="Oslo", timezone="Europe/Oslo")
    first = create_site.sync_detailed(org_id, client=admin, body=body, idempotency_key=key)
    created = expect(
        "create a site with an Idempotency-Key", first, HTTPStatus.CREATED, SiteEnvelope
    )
    repeat = create_site.sync_detailed(org_id, client=admin, body=body, idempotency_key=key)
    again = expect("repeat it with the same key", repeat, HTTPStatus.CREATED, SiteEnvelope)
    if again.data.id != created.data.id or repeat.headers.get("idempotent-replayed") != "true":
        sys.exit(f"replay: got {again.data.id} and {dict(repeat.headers)}")
    etag = get_site.sync_detailed(org_id, created.data.id, client=admin).headers["etag"]
    expect(
        "change it with If-Match",
        update_site.sync_detailed(
            org_id, created.data.id, client=admin, body=SiteUpdate(name="Oslo HQ"), if_match=etag
        ),
        HTTPStatus.OK,
        SiteEnvelope,
    )
    problem(
        "412 for the second change with the same If-Match",
        update_site.sync_detailed(
            org_id, created.data.id, client=admin, body=SiteUpdate(name="Oslo 2"), if_match=etag
        ),
        412,
        "precondition_failed",
    )


def main(base: str, admin_email: str, admin_password: str) -> None:
    """Run every step against the server at base."""
    admin = AuthenticatedClient(
        base, token=sign_in(base, "the superadmin", admin_email, admin_password).access_token
    )
    org = expect(
        "create an organization",
        create_organization.sync_detailed(client=admin, body=OrganizationCreate(name="SDK Corp")),
        HTTPStatus.CREATED,
        OrganizationEnvelope,
    ).data
    member_email = f"sdk-{uuid.uuid4().hex[:8]}@example.com"
    expect(
        "create a user",
        create_user.sync_detailed(
            client=admin,
            body=UserCreate(email=member_email, password=MEMBER_PASSWORD, full_name="Sam"),
        ),
        HTTPStatus.CREATED,
        UserEnvelope,
    )
    expect(
        "add the user as a member",
        add_organization_member.sync_detailed(
            org.id, client=admin, body=MemberCreate(email=member_email, role=MemberRole.MEMBER)
        ),
        HTTPStatus.CREATED,
        MemberEnvelope,
    )
    sites = [
        expect(
            f"create site {city}",
            create_site.sync_detailed(
                org.id, client=admin, body=SiteCreate(name=city, timezone=f"Europe/{city}")
            ),
            HTTPStatus.CREATED,
            SiteEnvelope,
        ).data
        for city in CITIES
    ]
    page = expect(
        "list page 2 of the sites by name",
        list_sites.sync_detailed(org.id, client=admin, page=2, per_page=5, sort=ListSitesSort.NAME),
        HTTPStatus.OK,
        SitePage,
    )
    names = [site.name for site in page.data]
    if names != sorted(CITIES)[5:] or page.meta.total != 7 or page.links.next_ is not None:
        sys.exit(f"paging: unexpected page {names}, total {page.meta.total}")
    updated = expect(
        "update a site",
        update_site.sync_detailed(
            org.id, sites[0].id, client=admin, body=SiteUpdate(status=SiteStatus.INACTIVE)
        ),
        HTTPStatus.OK,
        SiteEnvelope,
    ).data
    if updated.status != SiteStatus.INACTIVE or updated.timezone != "Europe/Berlin":
        sys.exit(f"update: unexpected site {updated!r}")
    gone = delete_site.sync_detailed(org.id, sites[1].id, client=admin)
    if gone.status_code != HTTPStatus.NO_CONTENT:
        sys.exit(f"delete a site: got {gone.status_code}")
    print("ok  delete a site")
    problem(
        "404 for the deleted site",
        get_site.sync_detailed(org.id, sites[1].id, client=admin),
        404,
        "site_not_found",
    )
    retry_safely(admin, org.id)
    member_tokens = sign_in(base, "the member", member_email, MEMBER_PASSWORD)
    member = AuthenticatedClient(base, token=member_tokens.access_token)
    problem(
        "403 when a member creates a site",
        create_site.sync_detailed(
            org.id, client=member, body=SiteCreate(name="Nope", timezone="UTC")
        ),
        403,
        "permission_denied",
    )
    invalid = problem(
        "422 for a page size over 100",
        list_sites.sync_detailed(org.id, client=admin, per_page=1000),
        422,
        "validation_failed",
    )
    if not invalid.errors or invalid.errors[0].field != "query.per_page":
        sys.exit(f"422: unexpected field errors {invalid.errors!r}")
    rotated = expect(
        "refresh the member's tokens",
        refresh_token.sync_detailed(
            client=Client(base), body=RefreshRequest(refresh_token=member_tokens.refresh_token)
        ),
        HTTPStatus.OK,
        TokenPairEnvelope,
    ).data
    problem(
        "401 when a used refresh token is presented again",
        refresh_token.sync_detailed(
            client=Client(base), body=RefreshRequest(refresh_token=member_tokens.refresh_token)
        ),
        401,
        "refresh_token_reused",
    )
    problem(
        "reuse revoked the whole session",
        refresh_token.sync_detailed(
            client=Client(base), body=RefreshRequest(refresh_token=rotated.refresh_token)
        ),
        401,
        "invalid_refresh_token",
    )
    session = sign_in(base, "the member", member_email, MEMBER_PASSWORD)
    out = logout.sync_detailed(
        client=Client(base), body=LogoutRequest(refresh_token=session.refresh_token)
    )
    if out.status_code != HTTPStatus.NO_CONTENT:
        sys.exit(f"sign out: got {out.status_code}")
    print("ok  sign out")
    problem(
        "the signed-out session cannot refresh",
        refresh_token.sync_detailed(
            client=Client(base), body=RefreshRequest(refresh_token=session.refresh_token)
        ),
        401,
        "invalid_refresh_token",
    )
    print("python SDK scenario passed")


if __name__ == "__main__":
    main(*(os.environ[name] for name in ("SDK_BASE_URL", "SDK_ADMIN_EMAIL", "SDK_ADMIN_PASSWORD")))
