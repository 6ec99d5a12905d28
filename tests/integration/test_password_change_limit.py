"""Guessing the password through the password change costs what guessing it at sign-in does
(issue 18, finding 7): each `current_password` sent to PATCH /users/me counts against the
caller's sign-in budget (x-rate-limit: reauthentication), per account and per client IP."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from tests.factories import PASSWORD, auth_headers, make_user
from tests.integration.test_rate_limits import LOGIN, ME, OPEN, client_from, serving

NEW_PASSWORD = "a-new-password-123"


def guess(n: int) -> dict[str, str]:
    return {"password": NEW_PASSWORD, "current_password": f"guess-number-{n}"}


async def test_thirty_wrong_current_passwords_hit_the_account_s_sign_in_limit(
    settings: Settings, db: AsyncSession
) -> None:
    user = await make_user(db)
    async with (
        serving(
            settings, RATE_LIMIT_LOGIN_PER_EMAIL="5/minute", RATE_LIMIT_LOGIN_PER_IP=OPEN
        ) as app,
        client_from(app, "192.0.2.50") as http,
    ):
        headers = await auth_headers(app, user)
        responses = [await http.patch(ME, json=guess(n), headers=headers) for n in range(30)]
        # One budget with signing in: the right password is refused there too, for now.
        sign_in = await http.post(LOGIN, json={"email": user.email.upper(), "password": PASSWORD})
        # Only confirmations count: renaming oneself is an ordinary call.
        rename = await http.patch(ME, json={"full_name": "Renamed"}, headers=headers)
    statuses = [response.status_code for response in responses]
    assert statuses == [403] * 5 + [429] * 25, statuses
    limited = responses[-1]
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Limit"] == "5"
    assert sign_in.status_code == 429
    assert rename.status_code == 200, rename.text


async def test_password_confirmations_count_per_client_ip(
    settings: Settings, db: AsyncSession
) -> None:
    first, second = await make_user(db), await make_user(db)
    async with serving(
        settings, RATE_LIMIT_LOGIN_PER_IP="3/minute", RATE_LIMIT_LOGIN_PER_EMAIL=OPEN
    ) as app:
        async with client_from(app, "192.0.2.60") as http:
            statuses = [
                (
                    await http.patch(ME, json=guess(n), headers=await auth_headers(app, user))
                ).status_code
                for n, user in enumerate((first, second, first, second))
            ]
        async with client_from(app, "192.0.2.61") as http:
            elsewhere = await http.patch(ME, json=guess(9), headers=await auth_headers(app, first))
    assert statuses == [403, 403, 403, 429]
    assert elsewhere.status_code == 403


async def test_a_right_current_password_changes_it_within_the_budget(
    settings: Settings, db: AsyncSession
) -> None:
    user = await make_user(db)
    async with (
        serving(
            settings, RATE_LIMIT_LOGIN_PER_EMAIL="5/minute", RATE_LIMIT_LOGIN_PER_IP=OPEN
        ) as app,
        client_from(app, "192.0.2.70") as http,
    ):
        changed = await http.patch(
            ME,
            json={"password": NEW_PASSWORD, "current_password": PASSWORD},
            headers=await auth_headers(app, user),
        )
    assert changed.status_code == 200, changed.text
    assert changed.headers["RateLimit-Limit"] == "5"  # the tightest limit that applied
    assert changed.headers["RateLimit-Remaining"] == "4"
