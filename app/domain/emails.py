"""The one canonical form of an email address: how it is stored (and kept unique), looked up at
sign-in and when adding a member, and keyed by the sign-in rate limit.

Spellings a reader cannot tell apart are one address: the whole address is NFKC-normalized (so
fullwidth `\uff41da` is `ada`), the local part case-folded, and the domain turned into its ASCII
(punycode) form by UTS #46, which also lower-cases it (`examp\uff4ce.com`, `EXAMPLE.com` and
`example.com` are one domain; `bücher.example` is `xn--bcher-kva.example`). Whitespace anywhere
is refused, never stripped.
"""

from __future__ import annotations

import unicodedata

import idna

MAX_LENGTH = 254
"""The longest address (RFC 5321's path limit less the angle brackets); the column's size."""


def canonical_email(email: str) -> str:
    """The canonical form of an address; ValueError when it has none (whitespace, no local part
    or domain, a domain that is not a valid internationalized name, or over 254 characters)."""
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
