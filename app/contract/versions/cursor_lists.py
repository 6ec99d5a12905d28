"""v2 change 1: lists are cursor-only.

v1 reads a list by page number (`page`, default 1) or by cursor, always with the total, and
answers `meta {page, per_page, total, total_pages, next_cursor}` with links `self, first, last,
next, prev`. v2 has no `page`: a request with a page number reaches the v2 handler as a
page-number cursor (app.data.cursors.page_cursor; a cursor sent along wins, as in v1), always
asking for the total (`include_total=true`), and the page goes back to v1 numbered
(app.domain.pagination.Page.meta and links).
"""

from __future__ import annotations

from typing import Any

from app.contract.versions.change import Values, VersionChange
from app.data.cursors import page_cursor
from app.domain.pagination import Page

LISTS = frozenset({"listUsers", "listOrganizations", "listOrganizationMembers", "listSites"})


class CursorLists(VersionChange):
    """`page` -> a page-number cursor and include_total; the page answered numbered."""

    name = "cursor_lists"
    operations = LISTS
    older_parameters = frozenset({"page"})
    newer_parameters = frozenset({"include_total"})

    def request(self, operation_id: str, arguments: Values) -> None:
        page = arguments.pop("page")
        if arguments.get("cursor") is None and page > 1:
            arguments["cursor"] = page_cursor(page)
        arguments["include_total"] = True

    def page(self, page: Page[Any]) -> Page[Any]:
        return page.as_numbered()
