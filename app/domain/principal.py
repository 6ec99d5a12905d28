"""The signed-in caller, as every layer names it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The signed-in user, as read from the database on this request."""

    user_id: uuid.UUID
    email: str
    is_superadmin: bool
    session_id: uuid.UUID
    """The login session the access token belongs to."""
