"""The time zone names the service accepts: those of the pinned tzdata package.

The spec's TimeZone schema is an open string whose `pattern` lists the same names (written by
scripts/update_timezones.py); this check gives a short, clear message instead of the pattern.
"""

from __future__ import annotations

import importlib.resources
from functools import cache

from pydantic import ValidationInfo


@cache
def known_time_zones() -> frozenset[str]:
    """Every zone name of the installed tzdata release."""
    return frozenset(importlib.resources.files("tzdata").joinpath("zones").read_text().split())


def known_time_zone(value: object, info: ValidationInfo) -> object:
    """Validator for TimeZone properties: refuse names the tz database does not know."""
    if isinstance(value, str) and value not in known_time_zones():
        raise ValueError(f"{info.field_name} is not an IANA time zone name, e.g. Europe/Berlin")
    return value
