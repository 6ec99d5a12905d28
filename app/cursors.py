"""Opaque keyset cursors: where the next page starts, bound to the listing that issued it.

A cursor is base64url JSON ``[version, binding, page, sort value, tiebreak value]``. It only
names a position in a list the caller may read anyway, so forging one gains nothing; it is
still validated in full, and a cursor from another sort, filter or page size is refused.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import FieldError, InvalidInput

VERSION = 1
MAX_PAGE = 2_147_483_647

_PARSERS: dict[type, Callable[[Any], Any]] = {
    str: str,
    uuid.UUID: uuid.UUID,
    dt.datetime: dt.datetime.fromisoformat,
}


@dataclass(frozen=True)
class Position:
    """The last row of a page: its sort value and tiebreak value, and the next page's number."""

    page: int
    value: Any
    tiebreak: Any


def binding(scope: Mapping[str, Any]) -> str:
    """A short fingerprint of what is listed (sort, filters, page size)."""
    canonical = json.dumps(scope, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode(scope: Mapping[str, Any], position: Position) -> str:
    """The cursor for a position in the listing described by scope."""
    payload = [VERSION, binding(scope), position.page, _plain(position.value)]
    payload.append(_plain(position.tiebreak))
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def invalid(reason: str) -> InvalidInput:
    """The 422 problem for a cursor that cannot be used."""
    return InvalidInput(
        f"Invalid cursor: {reason}. Use a links.next or meta.next_cursor value as it was given.",
        code="invalid_cursor",
        errors=[FieldError("query.cursor", reason, "invalid_cursor")],
    )


def _parse(value: Any, kind: type) -> Any:
    if not isinstance(value, str):
        raise invalid("malformed position")
    try:
        parsed = _PARSERS[kind](value)
    except (KeyError, ValueError) as error:
        raise invalid("malformed position") from error
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        raise invalid("malformed position")
    return parsed


def decode(
    cursor: str, scope: Mapping[str, Any], *, value_type: type, tiebreak_type: type
) -> Position:
    """The position a cursor names; 422 when it is garbage or from another listing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise invalid("not a cursor") from error
    if not (isinstance(payload, list) and len(payload) == 5 and payload[0] == VERSION):
        raise invalid("not a cursor")
    _, bound, page, value, tiebreak = payload
    if bound != binding(scope):
        raise invalid("it belongs to another sort, filter or page size")
    if type(page) is not int or not 2 <= page <= MAX_PAGE:
        raise invalid("malformed position")
    return Position(page, _parse(value, value_type), _parse(tiebreak, tiebreak_type))
