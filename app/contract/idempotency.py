"""Idempotency-Key on x-idempotent operations (IETF httpapi draft, Stripe's semantics).

The guard (app.contract.authorization) checks the key's syntax with the other preconditions
(400 `idempotency_key_invalid`), and, once the caller is authorized, claims the key inside the
request's own transaction, before the handler runs (`Idempotency.claim`; on PostgreSQL the claim
rides in the write's caller check, one statement, so a key costs one round trip: the answer): a
committed record with the same fingerprint is replayed (`Replay`, caught by the route), a
different request gets 422 `idempotency_key_reused`, one still running 409
`idempotency_key_in_use` with Retry-After. The
route (app.contract.runtime) writes the handler's answer to the claimed record in the same
transaction (`Idempotency.complete`), so the write and its record commit or roll back together;
a handler's own 4xx problem (its DomainError) rolls its write back and is recorded in a short
transaction of its own (`Idempotency.complete_problem`). Answers given before the claim (401,
403, 404 of authorization, 429, 400) and after it by validation (422) or as a 5xx are never
recorded: a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from app.access.dependencies import database_of
from app.data.repositories.idempotency_keys import (
    Claim,
    IdempotencyKeyRepository,
    Record,
    claim_values,
)
from app.data.unit_of_work import UnitOfWork
from app.domain.errors import (
    DomainError,
    IdempotencyKeyInUse,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from app.domain.operation_spec import OperationSpec
from app.edge.problems import on_domain_error

KEY = re.compile(r"[\x20-\x7e]{1,255}")
"""1 to 255 printable ASCII characters (the spec's IdempotencyKey schema)."""
REPLAYED_HEADERS = ("content-type", "location", "etag", "retry-after")
"""What of the first answer's own headers a replay repeats; the edge adds its own again."""


class Replay(Exception):
    """The key's committed answer, to send again instead of running the handler."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


def read_key(request: Request, operation: OperationSpec) -> str | None:
    """The request's Idempotency-Key when the operation honours one; raises when malformed."""
    if not operation.idempotent:
        return None
    value = request.headers.get("idempotency-key")
    if value is None:
        return None
    if KEY.fullmatch(value) is None:
        raise IdempotencyKeyInvalid(
            "An Idempotency-Key is 1 to 255 printable ASCII characters.",
        )
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and the body (as JSON, so spacing and key
    order do not matter; as bytes when it is not JSON)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(slots=True)
class Idempotency:
    """One keyed request's claim."""

    caller: uuid.UUID
    operation_id: str
    key: str
    fingerprint: str

    @classmethod
    async def of(
        cls, request: Request, operation: OperationSpec, caller: uuid.UUID, key: str
    ) -> Idempotency:
        """The claim a keyed request makes, not yet sent."""
        body = await request.body()  # read (and kept) by the route already
        return cls(
            caller,
            operation.operation_id,
            key,
            fingerprint(operation.method, request.url.path, body),
        )

    def values(self) -> dict[str, Any]:
        """The record the claim inserts (for a statement that carries it: see `claim`)."""
        return claim_values(self.caller, self.operation_id, self.key, self.fingerprint)

    async def claim(
        self, unit_of_work: UnitOfWork, found: tuple[Claim, Record | None] | None = None
    ) -> Idempotency:
        """Claim the key in the request's transaction: `found` is the outcome of a claim the
        caller check already carried (PostgreSQL), None to send the claim now (SQLite). Raises
        Replay, IdempotencyKeyReused or IdempotencyKeyInUse when the key is taken."""
        repository = IdempotencyKeyRepository(unit_of_work)
        if found is None:
            found = await repository.claim(
                self.caller, self.operation_id, self.key, self.fingerprint
            )
        outcome, record = found
        if outcome is Claim.CLAIMED:
            return self
        if outcome is Claim.RECORDED and record is None:
            record = await repository.record(self.caller, self.operation_id, self.key)
        if record is None:  # still running, or rolled back a moment ago: ask again
            raise IdempotencyKeyInUse()
        if record.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused()
        headers = json.loads(record.headers)
        headers["Idempotent-Replayed"] = "true"
        raise Replay(Response(record.body, status_code=record.status, headers=headers))

    async def complete(self, unit_of_work: UnitOfWork, response: Response) -> None:
        """Write the handler's answer to the claimed record, in the request's transaction."""
        await IdempotencyKeyRepository(unit_of_work).complete(
            self.caller,
            self.operation_id,
            self.key,
            status=response.status_code,
            headers=_kept_headers(response),
            body=bytes(response.body),
        )

    async def complete_problem(self, request: Request, error: DomainError) -> None:
        """Record the handler's own 4xx problem in a transaction of its own (the request's, with
        the claim, rolled back)."""
        response = await on_domain_error(request, error)
        unit_of_work = UnitOfWork(database_of(request), read_only=False)
        failure: BaseException | None = None
        try:
            await IdempotencyKeyRepository(unit_of_work).insert_answered(
                self.caller,
                self.operation_id,
                self.key,
                self.fingerprint,
                status=response.status_code,
                headers=_kept_headers(response),
                body=bytes(response.body),
            )
        except BaseException as exc:
            failure = exc
            raise
        finally:
            await unit_of_work.finish(failure)


def _kept_headers(response: Response) -> str:
    return json.dumps(
        {name: value for name, value in response.headers.items() if name in REPLAYED_HEADERS}
    )
