"""One canonical email (app.domain.emails): every spelling of an address is one account, for storage
and uniqueness, the sign-in lookup and the sign-in limit (issue 18, finding 5)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data import models as orm
from tests.factories import PASSWORD, SUPERADMIN_EMAIL, auth_headers, make_org, make_user
from tests.integration.test_rate_limits import LOGIN, client_from, per_email

USERS = "/api/v1/users"
FULLWIDTH_A = "\uff41"
FULLWIDTH_L = "\uff4c"
SPELLINGS = (
    f"victim@examp{FULLWIDTH_L}e.com",  # what the lookup folded and the old limit key did not
    "VICTIM@EXAMPLE.COM",
    "\uff56ictim@example.com",  # fullwidth v
    "Victim@Example.Com",
    "<victim@example.com>",  # EmailStr reads the bare address out of angle brackets
)


async def superadmin_headers(app: FastAPI, db: AsyncSession) -> dict[str, str]:
    root = await db.scalar(select(orm.User).where(orm.User.email == SUPERADMIN_EMAIL))
    assert root is not None
    return await auth_headers(app, root)


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_no_spelling_of_the_email_escapes_the_per_account_sign_in_limit(
    settings: Settings, db: AsyncSession, spelling: str
) -> None:
    await make_user(db, email="victim@example.com")
    async with per_email(settings, "2/minute") as app, client_from(app, "203.0.113.9") as http:
        for _ in range(2):
            wrong = {"email": "victim@example.com", "password": "not-the-password"}
            assert (await http.post(LOGIN, json=wrong)).status_code == 401
        # The right password, spelled otherwise: still the limited account.
        limited = await http.post(LOGIN, json={"email": spelling, "password": PASSWORD})
    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_every_spelling_signs_in_to_the_one_account(
    client: httpx.AsyncClient, db: AsyncSession, spelling: str
) -> None:
    await make_user(db, email="victim@example.com")
    response = await client.post(LOGIN, json={"email": spelling, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_look_alike_accounts_are_refused(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    headers = await superadmin_headers(app, db)
    body = {"password": "long-password", "full_name": "Someone"}
    ada = await client.post(USERS, json={"email": "ada@example.com", **body}, headers=headers)
    assert ada.status_code == 201, ada.text
    for look_alike in (f"{FULLWIDTH_A}da@example.com", f"ADA@examp{FULLWIDTH_L}e.com"):
        taken = await client.post(USERS, json={"email": look_alike, **body}, headers=headers)
        assert taken.status_code == 409, taken.text
        assert taken.json()["code"] == "email_taken"

    bob = await client.post(
        USERS, json={"email": "Bob@B\u00fccher.example", **body}, headers=headers
    )
    assert bob.status_code == 201, bob.text
    assert bob.json()["data"]["email"] == "bob@xn--bcher-kva.example"
    punycode = await client.post(
        USERS, json={"email": "bob@xn--bcher-kva.example", **body}, headers=headers
    )
    assert punycode.status_code == 409
    assert punycode.json()["code"] == "email_taken"

    # Renaming a user to a spelling of another user's address is refused alike.
    moved = await client.patch(
        f"{USERS}/{bob.json()['data']['id']}",
        json={"email": f"{FULLWIDTH_A}DA@example.com"},
        headers=headers,
    )
    assert moved.status_code == 409
    assert moved.json()["code"] == "email_taken"
    emails = set(await db.scalars(select(orm.User.email)))
    assert {"ada@example.com", "bob@xn--bcher-kva.example"} <= emails
    assert not any(FULLWIDTH_A in email for email in emails)


@pytest.mark.parametrize(
    "email", [" ada@example.com", "ada@example.com ", "ada@example.com\t", "Ada <ada@example.com>"]
)
async def test_emails_with_spaces_are_refused_not_trimmed(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, email: str
) -> None:
    headers = await superadmin_headers(app, db)
    body = {"email": email, "password": "long-password", "full_name": "Spaced"}
    refused = await client.post(USERS, json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.email"
    sign_in = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert sign_in.status_code == 422


async def test_a_member_is_found_by_any_spelling(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI
) -> None:
    owner = await make_user(db)
    member = await make_user(db, email="carol@example.com")
    org = await make_org(db, owner=owner)
    added = await client.post(
        f"/api/v1/organizations/{org.id}/members",
        json={"email": "\uff23AROL@example.com", "role": "member"},
        headers=await auth_headers(app, owner),
    )
    assert added.status_code == 201, added.text
    assert added.json()["data"]["user_id"] == str(member.id)
