"""Write openapi/components/schemas/timezones.yaml: the IANA zone names of the pinned tzdata.

A time zone is a plain string in the spec, not an enum: a tz database release that adds a zone
must not change any client's types (an enum value added to a response breaks generated SDKs and
is a breaking change). The names the server accepts are still exact: the schema's `pattern` is
the alternation of every zone of the pinned tzdata, so validators and contract tests know the
set, and the server answers 422 for any other name. `make generate` runs this first; a test
fails when tzdata and the pattern differ.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import itertools
import re
from pathlib import Path

import yaml

TARGET = (
    Path(__file__).resolve().parent.parent / "openapi" / "components" / "schemas" / "timezones.yaml"
)
HEADER = (
    "# Written by scripts/update_timezones.py (run by `make generate`) from tzdata; do not edit.\n"
)
MAX_LENGTH = 64
"""The width of sites.timezone in the database."""


def zone_names() -> list[str]:
    """Every zone name tzdata ships, sorted."""
    return sorted(importlib.resources.files("tzdata").joinpath("zones").read_text().split())


def _literal(name: str) -> str:
    """name as an ECMA-262 and Python regex literal (zone names use letters, digits, _ - + /)."""
    return name.replace("+", r"\+")


def pattern(names: list[str]) -> str:
    """An anchored regex matching exactly the given zone names, grouped by area for brevity."""
    branches = []
    for area, group in itertools.groupby(names, key=lambda name: name.partition("/")[0]):
        members = list(group)
        places = [name.partition("/")[2] for name in members if "/" in name]
        if area in members:
            branches.append(_literal(area))
        if places:
            branches.append(_literal(area) + "/(?:" + "|".join(map(_literal, places)) + ")")
    return "^(?:" + "|".join(branches) + ")$"


def document() -> dict[str, object]:
    """The TimeZone schema."""
    version = importlib.metadata.version("tzdata")
    names = zone_names()
    regex = pattern(names)
    if any(not re.fullmatch(regex, name) or len(name) > MAX_LENGTH for name in names):
        raise SystemExit("the zone pattern does not match every zone name, or one is too long")
    return {
        "TimeZone": {
            "type": "string",
            "description": (
                "An IANA time zone name, e.g. `Europe/Berlin`. The server accepts the names of the"
                f" tz database it runs (release {version}), which `pattern` lists; any other name"
                " gets 422 `validation_failed`. New releases add names, so clients should treat"
                " this as an open string and not hard-code the list."
            ),
            "minLength": 1,
            "maxLength": MAX_LENGTH,
            "pattern": regex,
            "example": "Europe/Berlin",
        }
    }


def main() -> None:
    """Rewrite the schema file."""
    text = HEADER + yaml.safe_dump(document(), sort_keys=False, width=100)
    TARGET.write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
