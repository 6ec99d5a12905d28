"""v2 change 4: writes to a single resource need `If-Match` in v2.

v2's PATCH and DELETE of a user, organization, membership or site declare `x-if-match:
required` (and its 428 `precondition_required` answer); v1's take If-Match optionally, as
before. Nothing is converted: each version's routes carry their own OperationSpec, and the guard
(app.contract.preconditions) demands the header only where that spec says so. This change
declares the difference, so the start-up check (check.py) accepts it and nothing more."""

from __future__ import annotations

from typing import ClassVar

from app.contract.versions.change import VersionChange


class IfMatchOptional(VersionChange):
    """If-Match required in v2's single-resource writes, optional in v1's."""

    name = "if_match_optional"
    operations = frozenset(
        {
            "updateCurrentUser",
            "updateUser",
            "deleteUser",
            "updateOrganization",
            "deleteOrganization",
            "updateOrganizationMember",
            "removeOrganizationMember",
            "updateSite",
            "deleteSite",
        }
    )
    newer_statuses: ClassVar[frozenset[int]] = frozenset({428})
    if_match_optional_in_older: ClassVar[bool] = True
