"""Write openapi/components/schemas/timezones.yaml: the IANA zone names of the pinned tzdata.

The spec lists every accepted time zone, so clients and contract tests know exactly which names
the service accepts. `make generate` runs this first; a test fails when tzdata and the list differ.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from pathlib import Path

import yaml

TARGET = (
    Path(__file__).resolve().parent.parent / "openapi" / "components" / "schemas" / "timezones.yaml"
)
HEADER = (
    "# Written by scripts/update_timezones.py (run by `make generate`) from tzdata; do not edit.\n"
)


def zone_names() -> list[str]:
    """Every zone name tzdata ships, sorted."""
    return sorted(importlib.resources.files("tzdata").joinpath("zones").read_text().split())


def document() -> dict[str, object]:
    """The TimeZone schema."""
    version = importlib.metadata.version("tzdata")
    return {
        "TimeZone": {
            "type": "string",
            "description": f"An IANA time zone name (tz database {version}).",
            "enum": zone_names(),
            "example": "Europe/Berlin",
        }
    }


def main() -> None:
    """Rewrite the schema file."""
    text = HEADER + yaml.safe_dump(document(), sort_keys=False, width=100)
    TARGET.write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
