"""Organizations: all SQL about the organizations table, scoped to what the caller may see."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from app.data.models import Membership, Organization
from app.data.repositories.base import Repository
from app.data.repositories.paging import Listing, Query, Slice, fetch_page
from app.data.repositories.search import SEARCH_PARAMETER, contains, like_pattern
from app.domain.pagination import Page
from app.domain.principal import Principal

SLUG_CONSTRAINT = "uq_organizations_slug"
SLUG_ATTEMPTS = 20
"""Tries at the next free `base-N` before falling back to a random suffix."""

ORGANIZATION_SORTS = {
    "name": Organization.name,
    "slug": Organization.slug,
    "created_at": Organization.created_at,
}
ORGANIZATION_COLUMNS = (
    Organization.id,
    Organization.name,
    Organization.slug,
    Organization.created_at,
    Organization.updated_at,
)
"""What the API shows of an organization, read as plain rows."""
ORGANIZATION_ROW = select(*ORGANIZATION_COLUMNS, Organization.version).where(
    Organization.id == bindparam("org_id")
)
"""One organization as a plain row with its version; built once, bound per request."""
MEMBER_OF = "member_id"
"""The filter naming the user whose organizations are listed (absent for superadmins)."""


def _listed(filters: frozenset[str]) -> Query:
    """The organizations :member_id belongs to (all of them without it), matching :q."""
    query = select(*ORGANIZATION_COLUMNS)
    if MEMBER_OF in filters:
        query = query.join(Membership, Membership.organization_id == Organization.id).where(
            Membership.user_id == bindparam(MEMBER_OF)
        )
    if SEARCH_PARAMETER in filters:
        query = query.where(contains(Organization.name) | contains(Organization.slug))
    return query


ORGANIZATION_LISTING = Listing(_listed, ORGANIZATION_SORTS, Organization.id)


class OrganizationRepository(Repository[Organization]):
    """Reads and writes organizations; flushes, never commits. Its version counts changes of
    what the API shows of it (name, slug); its sites and members are not part of it, so adding
    one changes no organization's ETag."""

    resource = "organization"

    async def get(self, org_id: uuid.UUID) -> Organization | None:
        """The organization with this id, locked for a change until the transaction ends (FOR NO
        KEY UPDATE: sites and members may still be added meanwhile); None when it does not exist
        (any more: a concurrent delete won). Callers are already authorized for it."""
        organization = await self.session.get(
            Organization, org_id, with_for_update={"key_share": True}, populate_existing=True
        )
        if organization is not None:
            await self.note_locked(organization)
        return organization

    async def remove(self, org_id: uuid.UUID) -> bool:
        """Delete the organization (its sites, counts and memberships go with it through ON
        DELETE CASCADE); False when it does not exist (any more). With an If-Match, the row is
        locked and compared first."""
        if self.must_lock("organization") and await self.get(org_id) is None:
            return False
        deleted = await self.session.scalar(
            delete(Organization).where(Organization.id == org_id).returning(Organization.id)
        )
        return deleted is not None

    async def row(self, org_id: uuid.UUID) -> dict[str, Any] | None:
        """The organization as a plain row keyed by the API's field names (for reading)."""
        return self.note_plain(await self.reader.first(ORGANIZATION_ROW, {"org_id": org_id}))

    async def list_visible(
        self, principal: Principal, *, q: str | None, sort: str, window: Slice
    ) -> Page[object]:
        """Organizations the principal may see, one page of plain rows."""
        filters: dict[str, Any] = {}
        if not principal.is_superadmin:
            filters[MEMBER_OF] = principal.user_id
        if q is not None:
            filters[SEARCH_PARAMETER] = like_pattern(q)
        return await fetch_page(
            self.reader,
            ORGANIZATION_LISTING,
            filters=filters,
            sort=sort,
            scope={"sort": sort, "q": q},
            window=window,
        )

    async def slug_taken(self, slug: str, *, excluding: uuid.UUID | None = None) -> bool:
        """Whether another organization already uses this slug."""
        query = select(Organization.id).where(Organization.slug == slug)
        if excluding is not None:
            query = query.where(Organization.id != excluding)
        return await self.session.scalar(query.limit(1)) is not None

    async def slugs_like(self, base: str) -> set[str]:
        """Slugs equal to base or of the form base-N, to pick a free one."""
        rows = await self.session.scalars(
            select(Organization.slug).where(
                (Organization.slug == base)
                | Organization.slug.startswith(f"{base}-", autoescape=True)
            )
        )
        return set(rows)

    async def add_with_free_slug(
        self, name: str, base: str, pick: Callable[[str, set[str]], str]
    ) -> Organization:
        """Insert an organization under the first free slug that ``pick`` derives from ``base``.

        Race-free on its own: each try runs in a savepoint, and when a concurrent request took
        the slug first (the unique constraint says so), the taken slugs are read again and the
        next one is tried; after SLUG_ATTEMPTS a random suffix ends any contest.
        """
        for attempt in range(SLUG_ATTEMPTS + 1):
            if attempt < SLUG_ATTEMPTS:
                slug = pick(base, await self.slugs_like(base))
            else:
                slug = pick(f"{base[:MAX_RANDOM_BASE]}-{secrets.token_hex(4)}", set())
            organization = Organization(name=name, slug=slug)
            try:
                async with self.session.begin_nested():
                    self.session.add(organization)
                    await self.session.flush()
            except IntegrityError as exc:
                if not violates_slug_constraint(exc):
                    raise
                continue
            await self.session.refresh(organization)
            await self.note(organization)
            return organization
        raise AssertionError("unreachable: the random suffix always ends the loop")


MAX_RANDOM_BASE = 55
"""Room for `-` and 8 hex digits within the 64-character slug."""


def violates_slug_constraint(exc: IntegrityError) -> bool:
    """Whether the error is the unique slug constraint (PostgreSQL names it, SQLite the column)."""
    diagnostics = getattr(exc.orig, "diag", None)
    if diagnostics is not None:
        return getattr(diagnostics, "constraint_name", None) == SLUG_CONSTRAINT
    return "organizations.slug" in str(exc.orig)
