"""Idempotency records: all SQL about the idempotency_keys table.

The claim runs in the request's own transaction before its handler. On PostgreSQL it is no
statement of its own: its columns (`claim_columns`) ride in the caller check of the write
(app.data.repositories.login_sessions), so a keyed POST costs one round trip more than an unkeyed
one (the answer), not two; `claim` sends it alone where nothing carries it. On PostgreSQL it
first tries the transaction-level advisory lock of the key (`pg_try_advisory_xact_lock`): a
request still running with the key holds it, so a repeat gets "in use" at once instead of
waiting on the unique index; with the lock, an `INSERT ... ON CONFLICT DO NOTHING` claims the key
unless a committed record has it. On SQLite writing transactions run one at a time (BEGIN
IMMEDIATE), so a repeat only ever finds a committed record; SQLite is embedded (no network round
trip), so there the claim stays a statement of its own after the caller check. `complete` writes
the answer to the claimed row in the same transaction, so the record commits or rolls back with
the write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.data.database import utcnow
from app.data.models import IdempotencyKey
from app.data.repositories.base import Store, table_of

_keys = table_of(IdempotencyKey)
SWEEP_BATCH = 500
"""Expired records deleted per statement: short transactions that never block requests."""


class Claim(Enum):
    """What claiming a key found."""

    CLAIMED = "claimed"
    """The key is this request's: run the handler, then complete the record."""
    IN_USE = "in use"
    """Another request with the key is still running (PostgreSQL only)."""
    RECORDED = "recorded"
    """A committed record holds the key: replay it or refuse it."""


@dataclass(frozen=True, slots=True)
class Record:
    """A committed answer."""

    fingerprint: str
    status: int
    headers: str
    body: bytes


def lock_key(caller: uuid.UUID, operation_id: str, key: str) -> int:
    """The advisory lock of one (caller, operation, key): a signed 64-bit hash."""
    digest = hashlib.sha256(f"{caller}\x00{operation_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _key_filter(caller: uuid.UUID, operation_id: str, key: str) -> ColumnElement[bool]:
    return (
        (_keys.c.caller == caller) & (_keys.c.operation_id == operation_id) & (_keys.c.key == key)
    )


def _committed(caller: uuid.UUID, operation_id: str, key: str) -> Select[Any]:
    """The key's committed record (its answer written), if any."""
    return select(_keys.c.fingerprint, _keys.c.status, _keys.c.headers, _keys.c.body).where(
        _key_filter(caller, operation_id, key), _keys.c.status.is_not(None)
    )


def claim_values(
    caller: uuid.UUID, operation_id: str, key: str, fingerprint: str
) -> dict[str, Any]:
    """The row a claim inserts."""
    return {
        "caller": caller,
        "operation_id": operation_id,
        "key": key,
        "fingerprint": fingerprint,
        "created_at": utcnow(),
    }


def claim_columns(values: dict[str, Any]) -> list[ColumnElement[Any]]:
    """The claim on PostgreSQL as result columns (labels `claim_*`), so that it rides in any
    SELECT the request sends anyway (the caller check of a write: app.data.repositories.
    login_sessions) instead of a round trip of its own. A committed record is read without any
    lock, so concurrent replays never contend; only when there is none is the advisory lock
    tried and the key inserted (data-modifying CTEs run once and to completion whether or not
    the outer query returns a row; a refused request's claim rolls back with its transaction)."""
    caller, operation_id, key = values["caller"], values["operation_id"], values["key"]
    existing = _committed(caller, operation_id, key).cte("existing")
    locked = (
        select(func.pg_try_advisory_xact_lock(lock_key(caller, operation_id, key)).label("got"))
        .where(~select(existing.c.status).exists())
        .cte("locked")
    )
    claimed = (
        postgresql.insert(_keys)
        .from_select(
            list(values),
            select(*(literal(v, _keys.c[k].type) for k, v in values.items())).where(locked.c.got),
        )
        .on_conflict_do_nothing()
        .returning(_keys.c.key)
        .cte("claimed")
    )
    return [
        select(locked.c.got).scalar_subquery().label("claim_got"),
        select(claimed.c.key).exists().label("claim_claimed"),
        *(select(column).scalar_subquery().label(f"claim_{column.name}") for column in existing.c),
    ]


def claim_outcome(row: Mapping[str, Any]) -> tuple[Claim, Record | None]:
    """What the `claim_columns` of a row say."""
    if row["claim_status"] is not None:
        return Claim.RECORDED, Record(
            row["claim_fingerprint"], row["claim_status"], row["claim_headers"], row["claim_body"]
        )
    if not row["claim_got"]:
        return Claim.IN_USE, None
    return (Claim.CLAIMED, None) if row["claim_claimed"] else (Claim.RECORDED, None)


class IdempotencyKeyRepository(Store):
    """Claims, completes, reads and sweeps idempotency records; never commits."""

    async def claim(
        self, caller: uuid.UUID, operation_id: str, key: str, fingerprint: str
    ) -> tuple[Claim, Record | None]:
        """Claim the key for this request, in one statement (see the module text); a committed
        record found on the way comes back with RECORDED (None: read it with `record`)."""
        values = claim_values(caller, operation_id, key, fingerprint)
        if self.on_postgresql:
            return await self._claim_postgresql(values)
        inserted = await self.session.scalar(
            sqlite.insert(_keys).values(values).on_conflict_do_nothing().returning(_keys.c.key)
        )
        return (Claim.CLAIMED, None) if inserted is not None else (Claim.RECORDED, None)

    async def _claim_postgresql(self, values: dict[str, Any]) -> tuple[Claim, Record | None]:
        """The claim alone, where no other statement carries it (see `claim_columns`)."""
        row = await self.reader.first(select(*claim_columns(values)), {})
        if row is None:  # pragma: no cover - a SELECT without FROM returns one row
            raise RuntimeError("the claim returned no row")
        return claim_outcome(row)

    async def record(self, caller: uuid.UUID, operation_id: str, key: str) -> Record | None:
        """The committed record of the key; None when it has none (it rolled back meanwhile)."""
        row = (await self.session.execute(_committed(caller, operation_id, key))).first()
        if row is None:
            return None
        return Record(row.fingerprint, row.status, row.headers, row.body)

    async def complete(
        self,
        caller: uuid.UUID,
        operation_id: str,
        key: str,
        *,
        status: int,
        headers: str,
        body: bytes,
    ) -> None:
        """Write the answer to the claimed record (same transaction as the write)."""
        await self.session.execute(
            update(_keys)
            .where(_key_filter(caller, operation_id, key))
            .values(status=status, headers=headers, body=body)
        )

    async def insert_answered(
        self,
        caller: uuid.UUID,
        operation_id: str,
        key: str,
        fingerprint: str,
        *,
        status: int,
        headers: str,
        body: bytes,
    ) -> None:
        """Record an answer in a transaction of its own (a handler's 4xx, whose own transaction
        rolled back); a record committed meanwhile by a repeat of the request is kept."""
        insert = postgresql.insert if self.on_postgresql else sqlite.insert
        values = claim_values(caller, operation_id, key, fingerprint)
        await self.session.execute(
            insert(_keys)
            .values(values | {"status": status, "headers": headers, "body": body})
            .on_conflict_do_nothing()
        )


async def sweep(session: AsyncSession, *, older_than: dt.datetime, batch: int = SWEEP_BATCH) -> int:
    """Delete records created before ``older_than`` in batches of ``batch`` rows, each batch its
    own short transaction; on PostgreSQL rows a request holds are skipped (SKIP LOCKED), so the
    sweep never waits for a request nor a request for it. Returns how many were deleted."""
    postgres = session.get_bind().dialect.name == "postgresql"
    total = 0
    while True:
        expired = (
            select(_keys.c.caller, _keys.c.operation_id, _keys.c.key)
            .where(
                _keys.c.created_at < bindparam("cutoff", older_than, type_=_keys.c.created_at.type)
            )
            .limit(batch)
        )
        if postgres:
            expired = expired.with_for_update(skip_locked=True)
        statement = delete(_keys).where(
            tuple_(_keys.c.caller, _keys.c.operation_id, _keys.c.key).in_(expired)
        )
        result = await session.execute(statement)
        deleted = int(getattr(result, "rowcount", 0))
        await session.commit()
        total += deleted
        if deleted < batch:
            return total
