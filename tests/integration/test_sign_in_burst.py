"""A burst of sign-ins does not starve other requests (issue 18, finding 6): a sign-in hands its
pooled connection back before it waits for a password-hashing slot, so the pool stays free for
everyone else and no sign-in times out waiting for a connection while others hash."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database
from tests.factories import PASSWORD, auth_headers, make_user
from tests.integration.test_rate_limits import LOGIN, ME, serving

BURST = 300
CHEAPER_HASH = {"PASSWORD_HASH_MEMORY_KIB": 8192, "PASSWORD_HASH_TIME_COST": 2}
"""About 20 ms a verification here: the burst takes seconds with one hashing slot, longer than
the pool lets a request wait for a connection (3 s), and far less than the request deadline."""


async def test_a_burst_of_wrong_sign_ins_leaves_other_requests_served(
    settings: Settings, db: AsyncSession
) -> None:
    hashed = await PasswordHasher(Settings(APP_ENV="development", **CHEAPER_HASH)).hash(PASSWORD)
    victim = await make_user(db, password_hash=hashed)
    reader = await make_user(db)
    # Opening a connection may be slow on a busy test machine: the connect timeout is not what
    # this test is about (the pool's wait is: DB_POOL_TIMEOUT_SECONDS stays at its default).
    async with serving(
        settings,
        PASSWORD_HASH_CONCURRENCY=1,
        REQUEST_TIMEOUT_SECONDS=120,
        DB_CONNECT_TIMEOUT_SECONDS=30,
        **CHEAPER_HASH,
    ) as app:
        headers = await auth_headers(app, reader)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=150
        ) as http:
            wrong = {"email": victim.email, "password": "not-the-password"}
            sign_ins = [asyncio.create_task(http.post(LOGIN, json=wrong)) for _ in range(BURST)]
            # Every sign-in has started once one has finished; then ask for something else.
            await asyncio.wait(sign_ins, return_when=asyncio.FIRST_COMPLETED)
            me = await http.get(ME, headers=headers)
            finished_before_me = sum(task.done() for task in sign_ins)
            responses = await asyncio.gather(*sign_ins)
            right = await http.post(LOGIN, json={"email": victim.email, "password": PASSWORD})
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {401: BURST}, statuses  # no 503: nobody starved waiting for the pool
    assert me.status_code == 200, me.text
    # GET /users/me did not queue behind the whole burst waiting to hash (an ordering, not a time;
    # how many sign-ins finish meanwhile depends on the machine's load, so only the bound holds).
    assert finished_before_me < BURST, finished_before_me
    assert right.status_code == 200, right.text


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"password_hash": "another hash"}],
    ids=["deactivated", "password-changed"],
)
async def test_an_account_changed_while_its_password_is_checked_gets_no_session(
    client: httpx.AsyncClient,
    db: AsyncSession,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
) -> None:
    user = await make_user(db)
    verify = PasswordHasher.verify_or_dummy

    async def verify_while_the_account_changes(
        hasher: PasswordHasher, password: str, password_hash: str | None
    ) -> bool:
        async with database.session() as other:  # the connection was handed back: no deadlock
            await other.execute(update(orm.User).where(orm.User.id == user.id).values(**change))
            await other.commit()
        return await verify(hasher, password, password_hash)

    monkeypatch.setattr(PasswordHasher, "verify_or_dummy", verify_while_the_account_changes)
    response = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_credentials"
    sessions = await db.scalar(
        select(func.count())
        .select_from(orm.LoginSession)
        .where(orm.LoginSession.user_id == user.id)
    )
    assert sessions == 0
