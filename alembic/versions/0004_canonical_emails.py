"""Emails in their canonical form: NFKC, the local part case-folded, the domain in ASCII.

Earlier revisions stored `strip().lower()`, so look-alike spellings of one address (fullwidth
letters, an internationalized domain in Unicode or punycode) could be separate accounts. Every
stored email is rewritten to its canonical form. When two users' emails collapse to one, or an
email has no canonical form, nothing is changed and the upgrade stops with a list of those users:
resolve them (rename or merge the accounts), then upgrade again.

The rule is copied here as it stands at this revision (migrations never import the app, which
may change later); tests/integration/test_email_migration.py keeps it equal to app.domain.emails.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import idna
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_LENGTH = 254
USERS = sa.table("users", sa.column("id", sa.Uuid()), sa.column("email", sa.String(254)))


def canonical_email(email: str) -> str:
    """The canonical form of an address (as app.domain.emails.canonical_email at this revision)."""
    if any(character.isspace() for character in email):
        raise ValueError("an email address must not contain spaces")
    local, at, domain = unicodedata.normalize("NFKC", email).rpartition("@")
    if not at or not local or not domain:
        raise ValueError("an email address needs a local part, an @ and a domain")
    local = unicodedata.normalize("NFKC", local.casefold())
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError("the email's domain is not a valid domain name") from exc
    canonical = f"{local}@{ascii_domain}"
    if len(canonical) > MAX_LENGTH:
        raise ValueError(f"an email address may have at most {MAX_LENGTH} characters")
    return canonical


class EmailConflict(Exception):
    """Existing users whose emails cannot all be stored in their canonical form."""


def conflicts(rows: Sequence[tuple[object, str]]) -> list[str]:
    """One line per problem: users sharing a canonical email, and emails without one."""
    users_of: defaultdict[str, list[str]] = defaultdict(list)
    problems: list[str] = []
    for user_id, email in rows:
        try:
            users_of[canonical_email(email)].append(f"{user_id} ({email!r})")
        except ValueError as exc:
            problems.append(f"user {user_id} ({email!r}): {exc}")
    for canonical, users in sorted(users_of.items()):
        if len(users) > 1:
            problems.append(f"{canonical!r} is the email of {len(users)} users: {', '.join(users)}")
    return problems


def upgrade() -> None:
    connection = op.get_bind()
    rows = [(row.id, row.email) for row in connection.execute(sa.select(USERS.c.id, USERS.c.email))]
    problems = conflicts(rows)
    if problems:
        raise EmailConflict(
            "cannot store every email in its canonical form; nothing was changed. Rename or merge"
            " these users, then upgrade again:\n  " + "\n  ".join(problems)
        )
    # No two canonical forms are equal, and canonical forms are their own canonical form, so no
    # update below can collide with another row's email, whatever the order.
    for user_id, email in rows:
        canonical = canonical_email(email)
        if canonical != email:
            connection.execute(
                sa.update(USERS).where(USERS.c.id == user_id).values(email=canonical)
            )


def downgrade() -> None:
    """The canonical forms stay: they are valid emails of the earlier revisions too."""
