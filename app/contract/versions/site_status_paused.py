"""v2 change 2: the site status `inactive` is named `paused`.

The same row is `inactive` in v1 and `paused` in v2 (the database keeps `inactive`:
handlers/sites.py). v1's `status` in request bodies and the `status` filter are renamed on the
way in, a site's status on the way out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from app.contract.versions.change import Values, VersionChange

OLDER = {"paused": "inactive"}
NEWER = {older: newer for newer, older in OLDER.items()}


class SiteStatusPaused(VersionChange):
    """inactive (v1) <-> paused (v2), in bodies, the filter and responses."""

    name = "site_status_paused"
    operations = frozenset({"listSites", "createSite", "getSite", "updateSite", "deleteSite"})
    renamed_values: ClassVar[Mapping[str, Mapping[str, str]]] = {"SiteStatus": OLDER}

    def request(self, operation_id: str, arguments: Values) -> None:
        status = arguments.get("status")
        if status in NEWER:
            arguments["status"] = NEWER[status]
        body = arguments.get("body")
        if isinstance(body, dict) and body.get("status") in NEWER:
            body["status"] = NEWER[body["status"]]

    def resource(self, schema: str, values: Values) -> None:
        if schema == "Site" and values["status"] in OLDER:
            values["status"] = OLDER[values["status"]]
