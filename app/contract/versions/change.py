"""VersionChange: one named difference between an API version and the one before it.

A change converts what an older client sends into what the newest handlers take (parameters and
bodies as plain JSON values), and what they answer back into what the older client expects
(resources as plain JSON values, pages, problem items, headers). It also declares the difference
it makes to the two documents (fields the older version lacks, enum values it names otherwise,
parameters only one of them has): app.contract.versions.check compares the generated models of
both versions at start-up and refuses to start when they differ by anything no change declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from app.domain.pagination import Page

Values = dict[str, Any]
"""Plain JSON values: a request's parameters (the body under "body") or one resource."""


class VersionChange:
    """One difference; subclasses set the declarations and override the conversions they need.

    Declarations (checked against both documents at start-up):
    - ``operations``: the operationIds whose requests and responses it converts (None: all);
    - ``removed_fields``: newer schema -> the properties the older version does not have;
    - ``renamed_values``: newer enum schema -> {newer value: older value};
    - ``older_parameters`` / ``newer_parameters``: query parameters only one version has;
    - ``optional_in_older``: newer request schema -> required properties an older request cannot
      carry: the older request is validated with them optional (absent: None);
    - ``newer_statuses``: statuses only the newer document declares for its operations;
    - ``if_match_optional_in_older``: the newer operations require If-Match (x-if-match:
      required), the older ones take it optionally.
    """

    name: ClassVar[str] = ""
    operations: ClassVar[frozenset[str] | None] = None
    removed_fields: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    renamed_values: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    older_parameters: ClassVar[frozenset[str]] = frozenset()
    newer_parameters: ClassVar[frozenset[str]] = frozenset()
    optional_in_older: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    newer_statuses: ClassVar[frozenset[int]] = frozenset()
    if_match_optional_in_older: ClassVar[bool] = False

    def applies_to(self, operation_id: str) -> bool:
        """Whether the change converts this operation's requests and responses."""
        return self.operations is None or operation_id in self.operations

    def request(self, operation_id: str, arguments: Values) -> None:
        """Turn an older request's arguments into the newer version's, in place."""

    def resource(self, schema: str, values: Values) -> None:
        """Turn one newer resource (of the named schema) into the older version's, in place:
        its fields as Python values (a row as read, or a model's python-mode dump)."""

    def page(self, page: Page[Any]) -> Page[Any]:
        """The older version's form of a newer page (its items are converted one by one with
        ``resource`` before)."""
        return page
