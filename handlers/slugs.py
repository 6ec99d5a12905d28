"""URL slugs for organizations, derived from their names."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 64
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """`Acme Corp. (EU)` -> `acme-corp-eu`; a name without usable characters gives `org`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "org"


def free_slug(base: str, taken: set[str]) -> str:
    """base itself when free, else the first free base-2, base-3, ... within the length limit."""
    if base not in taken:
        return base
    counter = 2
    while True:
        suffix = f"-{counter}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        counter += 1
