"""v2 change 3: sites have a `country`.

v1 neither shows nor accepts it: it is left out of v1 responses, and a v1 request never carries
one, so a v1 PATCH leaves the stored country as it is and a v1 POST creates a site without one
(v2 requires it on create: v1's create is validated with it optional, and the v2 handler stores
null)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.contract.versions.change import Values, VersionChange


class SiteCountry(VersionChange):
    """`country` dropped from v1 responses; optional in v1's create."""

    name = "site_country"
    operations = frozenset({"listSites", "createSite", "getSite", "updateSite", "deleteSite"})
    removed_fields: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "Site": ("country",),
        "SiteCreate": ("country",),
        "SiteUpdate": ("country",),
    }
    optional_in_older: ClassVar[Mapping[str, tuple[str, ...]]] = {"SiteCreate": ("country",)}

    def resource(self, schema: str, values: Values) -> None:
        if schema == "Site":
            del values["country"]
