"""Organizations created at the same instant with the same name (and no slug) all succeed, with
distinct slugs: on a real server, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data.repositories.organizations import OrganizationRepository
from handlers.slugs import free_slug
from tests.factories import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD, make_org
from tests.live_server import live_server

CONCURRENT = 20


async def create_all(url: str, token: str) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post("/api/v1/organizations", json={"name": "Acme Corp"})
                    for _ in range(CONCURRENT)
                )
            )
        )


def test_same_name_organizations_created_at_once_get_distinct_slugs(
    app: FastAPI, settings: Settings
) -> None:
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "SECRET_KEY": settings.secret_key,
        "RATE_LIMIT_ENABLED": "false",
    }
    with live_server(env) as server:
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD},
            timeout=60,
        )
        responses = asyncio.run(create_all(server.url, login.json()["data"]["access_token"]))
    assert [response.status_code for response in responses] == [201] * CONCURRENT, [
        response.text for response in responses if response.status_code != 201
    ]
    slugs = {response.json()["data"]["slug"] for response in responses}
    assert slugs == {"acme-corp"} | {f"acme-corp-{n}" for n in range(2, CONCURRENT + 1)}


async def test_a_slug_contest_that_never_ends_falls_back_to_a_random_suffix(
    db: AsyncSession,
) -> None:
    await make_org(db, slug="taken")

    def always_the_base(base: str, taken: set[str]) -> str:
        return base  # as if another request always took the free slug first

    repository = OrganizationRepository(db)
    organization = await repository.add_with_free_slug("Taken", "taken", always_the_base)
    await db.commit()
    assert re.fullmatch(r"taken-[0-9a-f]{8}", organization.slug)


async def test_other_integrity_errors_are_not_retried(db: AsyncSession) -> None:
    repository = OrganizationRepository(db)
    with pytest.raises(IntegrityError):
        await repository.add_with_free_slug(None, "base", free_slug)  # type: ignore[arg-type]
