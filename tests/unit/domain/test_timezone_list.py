"""The spec's TimeZone pattern accepts exactly the zones of the pinned tzdata, and so does the
server's check: an open string for clients, an exact set for validators."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

import yaml

from app.domain.time_zones import known_time_zones
from scripts.update_timezones import zone_names

SPEC_FILE = (
    Path(__file__).resolve().parents[3] / "openapi" / "components" / "schemas" / "timezones.yaml"
)


def spec_schema() -> dict[str, object]:
    schema: dict[str, object] = yaml.safe_load(SPEC_FILE.read_text())["TimeZone"]
    return schema


def test_time_zones_are_an_open_string_not_an_enum() -> None:
    schema = spec_schema()
    assert schema["type"] == "string"
    assert "enum" not in schema, "an added zone would break every generated SDK"


def test_the_pattern_matches_every_tzdata_zone_and_nothing_else() -> None:
    pattern = str(spec_schema()["pattern"])
    assert [name for name in zone_names() if not re.fullmatch(pattern, name)] == []
    for name in ("Mars/Olympus", "Europe/", "europe/berlin", "Europe/Berlin/", "GMT+1", ""):
        assert not re.fullmatch(pattern, name), name


def test_the_server_knows_the_same_zones_as_the_spec() -> None:
    assert known_time_zones() == frozenset(zone_names()), "run `make generate` after a tzdata bump"


def test_every_listed_zone_loads() -> None:
    for name in zone_names():
        zoneinfo.ZoneInfo(name)
