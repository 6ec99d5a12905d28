"""ISO 3166-1 alpha-2 country codes: the list the tz database ships (tzdata's iso3166.tab)."""

from __future__ import annotations

import functools
import importlib.resources

from pydantic import ValidationInfo


@functools.cache
def known_countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code of the installed tzdata release (iso3166.tab: one
    `<code><TAB><name>` line per country, `#` comments)."""
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text()
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


def known_country(value: object, info: ValidationInfo) -> object:
    """Validator for Country properties: refuse codes ISO 3166-1 does not assign."""
    if isinstance(value, str) and value not in known_countries():
        raise ValueError(f"{info.field_name} is not an ISO 3166-1 alpha-2 country code, e.g. DE")
    return value
