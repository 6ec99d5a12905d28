"""Opaque keyset cursors: where the next page starts, bound to the listing that issued it.

A cursor is unpadded base64url of the JSON ``[version, binding, page, tiebreak value]``, a NUL
byte, and the sort value as UTF-8 (no value the API accepts contains NUL). The value is raw, so
the longest one (a 254-character email, at most 4 bytes a character) keeps the cursor within the
spec's maxLength, which JSON's escapes (up to 12 bytes a character) did not.

A cursor only names a position in a list the caller may read anyway, so forging one gains
nothing; it is still validated in full. The spec describes the cursor's shape (unpadded
base64url, which the generated router enforces with 422); a cursor of that shape that names no
position in this listing - garbage, damaged, of an older format, or issued for another sort,
filter or page size - is a 404 ``cursor_not_found``: like an unknown id, it is well formed but
not found, and it never silently serves rows from another place.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import FieldError, NotFound

VERSION = 2
MAX_PAGE = 2_147_483_647
SEPARATOR = b"\x00"

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
    return _fingerprint(tuple(sorted(scope.items())))


@functools.lru_cache(maxsize=1024)
def _fingerprint(scope: tuple[tuple[str, Any], ...]) -> str:
    """The fingerprint of a scope of plain values (the same listing recurs: computed once)."""
    canonical = json.dumps(dict(scope), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode(scope: Mapping[str, Any], position: Position) -> str:
    """The cursor for a position in the listing described by scope."""
    header = [VERSION, binding(scope), position.page, _plain(position.tiebreak)]
    raw = json.dumps(header, separators=(",", ":")).encode() + SEPARATOR
    raw += str(_plain(position.value)).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


PAGE_MARK = "page"
"""The binding of a page-number cursor (page_cursor), in place of a listing's fingerprint."""


def page_cursor(page: int) -> str:
    """A cursor naming a page by its number (for any listing): how a v1 `page` parameter reaches
    a handler that takes cursors only (app.contract.versions.cursor_lists). Read by OFFSET, as
    v1's page numbers always were."""
    header = [VERSION, PAGE_MARK, page, None]
    raw = json.dumps(header, separators=(",", ":")).encode() + SEPARATOR
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def page_of(cursor: str) -> int | None:
    """The page number a page_cursor names; None for any other cursor (decode checks those)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.partition(SEPARATOR)[0])
    except (binascii.Error, ValueError):
        return None
    if not (isinstance(payload, list) and len(payload) == 4 and payload[1] == PAGE_MARK):
        return None
    page = payload[2]
    if payload[0] != VERSION or type(page) is not int or not 1 <= page <= MAX_PAGE:
        raise unknown("malformed position")
    return page


def unknown(reason: str) -> NotFound:
    """The 404 problem for a cursor that names no position in this listing."""
    return NotFound(
        f"No such cursor in this listing: {reason}. Pass a meta.next_cursor or follow a"
        " links.next of this listing as it was given, or start again from links.first.",
        code="cursor_not_found",
        errors=[FieldError("query.cursor", reason, "cursor_not_found")],
    )


def _parse(value: Any, kind: type) -> Any:
    if not isinstance(value, str):
        raise unknown("malformed position")
    try:
        parsed = _PARSERS[kind](value)
    except (KeyError, ValueError) as error:
        raise unknown("malformed position") from error
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        raise unknown("malformed position")
    return parsed


def decode(
    cursor: str, scope: Mapping[str, Any], *, value_type: type, tiebreak_type: type
) -> Position:
    """The position a cursor names; 404 when it is garbage or from another listing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        header, separator, value = raw.partition(SEPARATOR)
        payload = json.loads(header)
        sort_value = value.decode()
    except (binascii.Error, ValueError) as error:
        raise unknown("not a cursor") from error
    if not (separator and isinstance(payload, list) and payload):
        raise unknown("not a cursor")
    if payload[0] != VERSION or len(payload) != 4:
        raise unknown("it is of another format version (expired)")
    _, bound, page, tiebreak = payload
    if bound != binding(scope):
        raise unknown("it belongs to another sort, filter or page size")
    if type(page) is not int or not 2 <= page <= MAX_PAGE or "\x00" in sort_value:
        raise unknown("malformed position")
    return Position(page, _parse(sort_value, value_type), _parse(tiebreak, tiebreak_type))
