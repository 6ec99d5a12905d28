"""Older API versions as named changes to the newest (docs/request-runtime.md, "Versions").

Handlers implement the newest version's Protocols (generated/v2/). An older version is served by
the same handlers through its changes, one module per change, applied in order:

- cursor_lists: lists are cursor-only (v1's `page` and numbered meta);
- site_status_paused: `inactive` is `paused`;
- site_country: sites have a `country`;
- if_match_optional: v2's single-resource writes require If-Match (428), v1's do not;
- validation_pointers: problem `errors` items by JSON Pointer (v1: dotted `field`);
- deprecation: v1's Deprecation, Sunset and Link headers.

adapter.py builds an older version's implementations from the newest handlers; check.py refuses
to start when the two generated contracts differ by more than the changes declare. A v3 adds its
own changes (v2 -> v3) and lists each older version as the changes from it to the newest.
"""

from __future__ import annotations

from app.contract.versions.change import VersionChange
from app.contract.versions.cursor_lists import CursorLists
from app.contract.versions.if_match_optional import IfMatchOptional
from app.contract.versions.site_country import SiteCountry
from app.contract.versions.site_status_paused import SiteStatusPaused

NEWEST = 2
NEWEST_PACKAGE = "generated.v2"
OLDER: dict[int, tuple[str, tuple[VersionChange, ...]]] = {
    1: ("generated", (CursorLists(), SiteStatusPaused(), SiteCountry(), IfMatchOptional())),
}
"""Each older version: the package its contract is generated into, and the changes from it to
the newest, in the order a request passes them."""
