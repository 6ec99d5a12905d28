"""Plain async factories for arranging test data directly in the database."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data import models as orm
from app.data.repositories.login_sessions import LoginSessionRepository
from app.data.repositories.sites import SiteRepository
from app.domain.rbac import Role

SUPERADMIN_EMAIL = "root@example.com"
SUPERADMIN_PASSWORD = "root-password-123"
PASSWORD = "user-password-123"
_counter = itertools.count(1)
_password_hash: str | None = None


async def password_hash() -> str:
    """The hash of PASSWORD, computed once (argon2 is deliberately slow)."""
    global _password_hash
    if _password_hash is None:
        _password_hash = await PasswordHasher(Settings(APP_ENV="development")).hash(PASSWORD)
    return _password_hash


async def make_user(db: AsyncSession, **overrides: Any) -> orm.User:
    """A committed user whose password is PASSWORD."""
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "full_name": f"User {n}",
        "password_hash": await password_hash(),
        "is_active": True,
        "is_superadmin": False,
    }
    user = orm.User(**(values | overrides))
    db.add(user)
    await db.commit()
    return user


async def make_org(
    db: AsyncSession, *, owner: orm.User | None = None, **overrides: Any
) -> orm.Organization:
    """A committed organization, with `owner` as its owner when given."""
    n = next(_counter)
    organization = orm.Organization(**({"name": f"Org {n}", "slug": f"org-{n}"} | overrides))
    db.add(organization)
    await db.flush()
    if owner is not None:
        db.add(
            orm.Membership(organization_id=organization.id, user_id=owner.id, role=Role.OWNER.value)
        )
    await db.commit()
    return organization


async def add_member(
    db: AsyncSession, org: orm.Organization, user: orm.User, role: Role
) -> orm.Membership:
    """A committed membership."""
    membership = orm.Membership(organization_id=org.id, user_id=user.id, role=role.value)
    db.add(membership)
    await db.commit()
    return membership


async def make_site(db: AsyncSession, org: orm.Organization, **overrides: Any) -> orm.Site:
    """A committed site of the organization (through the repository, which counts it)."""
    n = next(_counter)
    values: dict[str, Any] = {
        "organization_id": org.id,
        "name": f"Site {n}",
        "address": f"{n} Main Street",
        "timezone": "Europe/Berlin",
        "status": "active",
    }
    site = await SiteRepository(db).add(orm.Site(**(values | overrides)))
    await db.commit()
    return site


async def auth_headers(app: FastAPI, user: orm.User | uuid.UUID) -> dict[str, str]:
    """A bearer header with an access token of a new login session of the user (as if they had
    signed in)."""
    user_id = user if isinstance(user, uuid.UUID) else user.id
    session_id = uuid.uuid4()
    async with app.state.database.session() as db:
        await LoginSessionRepository(db).open(session_id, user_id, refresh_jti=uuid.uuid4())
        await db.commit()
    return bearer_headers(app, user_id, session_id)


def bearer_headers(app: FastAPI, user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, str]:
    """A bearer header with a validly signed access token, written nowhere (for a database that
    cannot be reached, or a session that does not exist)."""
    token = app.state.tokens.issue_access(user_id, session_id).token
    return {"Authorization": f"Bearer {token}"}
