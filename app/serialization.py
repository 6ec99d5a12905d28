"""JSON encoding shared by envelopes and problems."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json


def dump_json(value: Any) -> bytes:
    """Compact JSON bytes for any value pydantic can serialise (models, UUIDs, datetimes)."""
    return to_json(value, by_alias=True)
