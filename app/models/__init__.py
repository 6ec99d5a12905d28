"""ORM classes; importing this package registers every table on Base.metadata."""

from app.models.login_session import LoginSession
from app.models.membership import Membership
from app.models.organization import Organization
from app.models.site import Site
from app.models.site_counter import SiteCounter
from app.models.user import User

__all__ = ["LoginSession", "Membership", "Organization", "Site", "SiteCounter", "User"]
