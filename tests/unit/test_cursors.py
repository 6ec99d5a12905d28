"""Cursors: a round trip, and every way a cursor can be malformed is a 422 invalid_cursor."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import pytest

from app import cursors
from app.errors import InvalidInput

SCOPE = {"sort": "created_at", "q": None, "per_page": 10}
WHEN = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
ID = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")


def _raw(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


def _decode(cursor: str) -> cursors.Position:
    return cursors.decode(cursor, SCOPE, value_type=dt.datetime, tiebreak_type=uuid.UUID)


def test_round_trip() -> None:
    cursor = cursors.encode(SCOPE, cursors.Position(7, WHEN, ID))
    assert _decode(cursor) == cursors.Position(7, WHEN, ID)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "payload",
    [
        [2, cursors.binding(SCOPE), 2, WHEN.isoformat(), str(ID)],  # unknown version
        [1, cursors.binding(SCOPE), 1, WHEN.isoformat(), str(ID)],  # page 1 needs no cursor
        [1, cursors.binding(SCOPE), True, WHEN.isoformat(), str(ID)],
        [1, cursors.binding(SCOPE), 2, "2026-01-15T09:30:00", str(ID)],  # naive
        [1, cursors.binding(SCOPE), 2, "yesterday", str(ID)],
        [1, cursors.binding(SCOPE), 2, 12, str(ID)],
        [1, cursors.binding(SCOPE), 2, WHEN.isoformat(), "not-a-uuid"],
        [1, cursors.binding({**SCOPE, "q": "x"}), 2, WHEN.isoformat(), str(ID)],
        {"page": 2},
    ],
)
def test_malformed_cursors_are_refused(payload: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _decode(_raw(payload))
    assert refused.value.problem_code == "invalid_cursor"
    assert refused.value.status == 422


def test_unknown_value_types_are_refused() -> None:
    cursor = cursors.encode(SCOPE, cursors.Position(2, "x", "y"))
    with pytest.raises(InvalidInput):
        cursors.decode(cursor, SCOPE, value_type=bytes, tiebreak_type=str)
