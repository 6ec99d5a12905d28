"""The spec's TimeZone enum is exactly the zone list of the pinned tzdata."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import yaml

from scripts.update_timezones import zone_names

SPEC_FILE = (
    Path(__file__).resolve().parents[2] / "openapi" / "components" / "schemas" / "timezones.yaml"
)


def test_spec_lists_every_tzdata_zone() -> None:
    listed = yaml.safe_load(SPEC_FILE.read_text())["TimeZone"]["enum"]
    assert listed == zone_names(), "run `make generate` after upgrading tzdata"


def test_every_listed_zone_loads() -> None:
    for name in zone_names():
        zoneinfo.ZoneInfo(name)
