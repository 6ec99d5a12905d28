"""The breaking-change gate (`make breaking`, scripts/breaking.py with Optic and the house ruleset)
on edited copies of the bundled spec: what old clients tolerate passes, what breaks them fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import breaking

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not breaking.OPTIC.exists(), reason="needs the Node tools: make tools"),
]
SPEC = json.loads(breaking.SPEC.read_text(encoding="utf-8"))
Edit = Callable[[dict[str, Any]], None]


def schemas(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["components"]["schemas"]
    return found


def tolerated(spec: dict[str, Any]) -> None:
    """Every change old clients tolerate, at once."""
    schemas(spec)["SiteStatus"]["enum"].append("planned")  # a response (and request) enum value
    zone = schemas(spec)["TimeZone"]
    zone["pattern"] = zone["pattern"].replace("|Zulu)$", "|Zulu|Mars/Olympus_Mons)$")  # a zone
    schemas(spec)["Site"]["properties"]["code"] = {"type": "string", "maxLength": 20}
    schemas(spec)["SiteCreate"]["properties"]["code"] = {"type": "string", "maxLength": 20}


def remove_response_field(spec: dict[str, Any]) -> None:
    site = schemas(spec)["Site"]
    del site["properties"]["address"]
    site["required"].remove("address")


def add_required_request_field(spec: dict[str, Any]) -> None:
    create = schemas(spec)["SiteCreate"]
    create["properties"]["code"] = {"type": "string", "maxLength": 20}
    create["required"].append("code")


def narrow_request_type(spec: dict[str, Any]) -> None:
    schemas(spec)["SiteCreate"]["properties"]["address"]["type"] = "string"  # no longer null


def gate(tmp_path: Path, edit: Edit) -> int:
    """The gate's exit status for the bundled spec against an edited copy of it."""
    new = copy.deepcopy(SPEC)
    edit(new)
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    old_path.write_text(json.dumps(SPEC), encoding="utf-8")
    new_path.write_text(json.dumps(new), encoding="utf-8")
    return breaking.compare(old_path, new_path, "the test's base")


def every_break(spec: dict[str, Any]) -> None:
    """Each breaking change at once (one Optic run is slow); the report must name each."""
    remove_response_field(spec)
    add_required_request_field(spec)
    narrow_request_type(spec)


def test_additions_old_clients_tolerate_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate(tmp_path, tolerated) == 0, capsys.readouterr().out


def test_breaking_changes_fail_naming_each_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate(tmp_path, every_break) == 1
    out = capsys.readouterr().out
    assert "BREAKING CHANGE" in out
    assert "GET /api/v1/organizations/{org_id}/sites/{site_id}" in out
    assert "cannot remove response property 'address'" in out
    assert "POST /api/v1/organizations/{org_id}/sites" in out
    assert "cannot add a required request property 'code'" in out
    assert "expected request body property 'address' not to be narrowed" in out


def test_a_major_version_with_a_changelog_entry_declares_the_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("## 2.0.0\n\n- Sites no longer have an address.\n", encoding="utf-8")
    monkeypatch.setattr(breaking, "CHANGELOG", changelog)

    def declared(spec: dict[str, Any]) -> None:
        every_break(spec)
        spec["info"]["version"] = "2.0.0"

    assert gate(tmp_path, declared) == 0, capsys.readouterr().out


def test_a_version_change_needs_a_changelog_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("## 1.0.0\n", encoding="utf-8")
    monkeypatch.setattr(breaking, "CHANGELOG", changelog)
    assert breaking.changelog_problem("1.0.0", "1.0.0") is None
    assert breaking.changelog_problem("1.0.0", "1.1.0") == (
        "info.version changed 1.0.0 -> 1.1.0: add a `## 1.1.0` entry to CHANGELOG.md"
    )
