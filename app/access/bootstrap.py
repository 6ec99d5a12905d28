"""Start-up tasks: the first superadmin from FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from app.access.passwords import PasswordHasher
from app.config.settings import Settings
from app.data.database import Database
from app.data.models import User
from app.data.repositories.users import UserRepository
from app.domain.emails import canonical_email

logger = logging.getLogger(__name__)


async def ensure_first_superuser(
    db: Database, settings: Settings, passwords: PasswordHasher
) -> None:
    """Create the configured superadmin unless a user with that email exists.

    Idempotent, and safe when several workers start at once: the unique email constraint lets
    exactly one insert win, the others roll back. An existing user is left untouched.
    """
    if settings.FIRST_SUPERUSER_EMAIL is None or settings.FIRST_SUPERUSER_PASSWORD is None:
        return
    email = canonical_email(settings.FIRST_SUPERUSER_EMAIL)
    async with db.session() as session:
        if await UserRepository(session).get_by_email(email) is not None:
            return
        password_hash = await passwords.hash(settings.FIRST_SUPERUSER_PASSWORD.get_secret_value())
        user = User(
            email=email,
            full_name="Administrator",
            password_hash=password_hash,
            is_active=True,
            is_superadmin=True,
        )
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return
    logger.info("created the first superadmin (user %s)", user.id)  # never the email
