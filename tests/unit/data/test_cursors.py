"""Cursors: a round trip, the longest fits the spec, and every cursor that names no position in
the listing is a 404 cursor_not_found."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.data import cursors
from app.domain.errors import NotFound

SCOPE = {"sort": "created_at", "q": None, "per_page": 10}
SPEC = Path(__file__).resolve().parents[3] / "generated" / "openapi.json"
CURSOR_SCHEMA = json.loads(SPEC.read_text())["components"]["parameters"]["Cursor"]["schema"]
WHEN = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
ID = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(header: Any, value: str = WHEN.isoformat()) -> str:
    return _b64(json.dumps(header).encode() + b"\x00" + value.encode())


def _decode(cursor: str) -> cursors.Position:
    return cursors.decode(cursor, SCOPE, value_type=dt.datetime, tiebreak_type=uuid.UUID)


def test_round_trip() -> None:
    cursor = cursors.encode(SCOPE, cursors.Position(7, WHEN, ID))
    assert _decode(cursor) == cursors.Position(7, WHEN, ID)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


BOUND = cursors.binding(SCOPE)


@pytest.mark.parametrize(
    "cursor",
    [
        _b64(json.dumps([1, BOUND, 2, WHEN.isoformat(), str(ID)]).encode()),  # the old format
        _raw([1, BOUND, 2, str(ID)]),  # an unknown version
        _raw([2, BOUND, 1, str(ID)]),  # page 1 needs no cursor
        _raw([2, BOUND, True, str(ID)]),
        _raw([2, BOUND, 2, str(ID)], "2026-01-15T09:30:00"),  # naive
        _raw([2, BOUND, 2, str(ID)], "yesterday"),
        _raw([2, BOUND, 2, str(ID)], "2026-01-15T09:30:00+00:00\x00"),
        _raw([2, BOUND, 2, 12]),
        _raw([2, BOUND, 2, "not-a-uuid"]),
        _raw([2, BOUND, 2]),
        _raw([2, cursors.binding({**SCOPE, "q": "x"}), 2, str(ID)]),
        _raw({"page": 2}),
        _b64(b"[2]\x00\xff"),  # not UTF-8
    ],
)
def test_malformed_cursors_are_not_found(cursor: str) -> None:
    with pytest.raises(NotFound) as refused:
        _decode(cursor)
    assert refused.value.problem_code == "cursor_not_found"
    assert refused.value.status == 404


@pytest.mark.parametrize("cursor", ["AA", "garbage0", "_-_-", "A" * 1536, "bm90IGpzb24"])
def test_strings_of_the_cursor_shape_that_are_no_cursor_are_not_found(cursor: str) -> None:
    assert re.fullmatch(CURSOR_SCHEMA["pattern"], cursor)
    with pytest.raises(NotFound):
        _decode(cursor)


@pytest.mark.parametrize("character", ["\x01", "\u00e9", "\u4e2d", "\U0001f600", '"', "\\"])
def test_the_longest_sort_value_gives_a_cursor_the_spec_accepts(character: str) -> None:
    scope = {"sort": "-email", "q": "x" * 100, "per_page": 100}
    longest = cursors.Position(2_147_483_647, character * 254, str(ID))  # emails: 254 characters
    cursor = cursors.encode(scope, longest)
    assert len(cursor) <= CURSOR_SCHEMA["maxLength"]
    assert re.fullmatch(CURSOR_SCHEMA["pattern"], cursor)
    assert cursors.decode(cursor, scope, value_type=str, tiebreak_type=str) == longest


def test_unknown_value_types_are_refused() -> None:
    cursor = cursors.encode(SCOPE, cursors.Position(2, "x", "y"))
    with pytest.raises(NotFound):
        cursors.decode(cursor, SCOPE, value_type=bytes, tiebreak_type=str)
