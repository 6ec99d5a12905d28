"""Update handlers copy only the fields each operation allows, by name: a field added to an
update schema later (simulated here by a subclass) is not written until a handler decides so."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.contract.context import RequestContext
from generated.v2.models import OrganizationUpdate, SiteUpdate, UserUpdate
from handlers.organizations import OrganizationHandlers
from handlers.sites import SiteHandlers
from handlers.users import UserHandlers
from tests.factories import make_org, make_site, make_user

LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class SiteUpdateWithMore(SiteUpdate):
    organization_id: uuid.UUID | None = None
    created_at: dt.datetime | None = None


class OrganizationUpdateWithMore(OrganizationUpdate):
    created_at: dt.datetime | None = None


class UserUpdateWithMore(UserUpdate):
    password_hash: str | None = None
    created_at: dt.datetime | None = None


def context(db: AsyncSession) -> RequestContext:
    """A handler context whose unit of work is the test's own session, so what the handler
    flushed can be read back before the test's rollback."""
    return RequestContext(SimpleNamespace(session=db), request_id="test")


async def test_a_new_site_field_is_not_written(db: AsyncSession) -> None:
    org, other = await make_org(db), await make_org(db)
    site = await make_site(db, org)
    body = SiteUpdateWithMore(name="Renamed", organization_id=other.id, created_at=LONG_AGO)
    updated = await SiteHandlers().update_site(
        context(db), org_id=org.id, site_id=site.id, body=body
    )
    assert updated.name == "Renamed"
    assert updated.organization_id == org.id
    assert updated.created_at != LONG_AGO


async def test_site_address_can_be_cleared_and_is_kept_when_omitted(db: AsyncSession) -> None:
    org = await make_org(db)
    site = await make_site(db, org, address="1 Main Street")
    kept = await SiteHandlers().update_site(
        context(db), org_id=org.id, site_id=site.id, body=SiteUpdate(name="Kept")
    )
    assert kept.address == "1 Main Street"
    cleared = await SiteHandlers().update_site(
        context(db), org_id=org.id, site_id=site.id, body=SiteUpdate(address=None)
    )
    assert cleared.address is None
    assert cleared.name == "Kept"


async def test_a_new_organization_field_is_not_written(db: AsyncSession) -> None:
    org = await make_org(db)
    body = OrganizationUpdateWithMore(name="Renamed", created_at=LONG_AGO)
    updated = await OrganizationHandlers().update_organization(
        context(db), org_id=org.id, body=body
    )
    assert updated.name == "Renamed"
    assert updated.slug == org.slug
    assert updated.created_at != LONG_AGO


async def test_a_new_user_field_is_not_written(app: FastAPI, db: AsyncSession) -> None:
    user = await make_user(db)
    body = UserUpdateWithMore(full_name="Renamed", password_hash="x", created_at=LONG_AGO)
    updated = await UserHandlers(app.state.passwords).update_user(
        context(db), user_id=user.id, body=body
    )
    assert updated.full_name == "Renamed"
    assert updated.created_at != LONG_AGO
    await db.refresh(user)
    assert user.password_hash != "x"
