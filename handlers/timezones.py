"""IANA time zone names, validated against the tz database shipped with tzdata."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from app.errors import FieldError, InvalidInput


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name the runtime knows."""
    return frozenset(available_timezones())


def require_timezone(name: str, field: str = "body.timezone") -> str:
    """The name itself when it is a known IANA zone; 422 otherwise."""
    if name not in known_timezones():
        raise InvalidInput(
            f"{name!r} is not an IANA time zone name (for example Europe/Berlin).",
            code="unknown_timezone",
            errors=[FieldError(field, "unknown IANA time zone", "timezone")],
        )
    return name
