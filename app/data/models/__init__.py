"""ORM classes; importing this package registers every table on Base.metadata."""

from app.data.models.idempotency_key import IdempotencyKey
from app.data.models.login_session import LoginSession
from app.data.models.membership import Membership
from app.data.models.organization import Organization
from app.data.models.site import Site
from app.data.models.site_counter import SiteCounter
from app.data.models.user import User

__all__ = [
    "IdempotencyKey",
    "LoginSession",
    "Membership",
    "Organization",
    "Site",
    "SiteCounter",
    "User",
]
