"""ORM classes; importing this package registers every table on Base.metadata."""

from app.models.membership import Membership
from app.models.organization import Organization
from app.models.refresh_token import RefreshToken
from app.models.site import Site
from app.models.site_counter import SiteCounter
from app.models.user import User

__all__ = ["Membership", "Organization", "RefreshToken", "Site", "SiteCounter", "User"]
