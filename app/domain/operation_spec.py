"""The shape of generated.operations.OPERATIONS entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RateLimitPolicy = Literal["credentials", "standard", "reauthentication", "exempt"]
"""x-rate-limit: sign-in attempts, ordinary calls, ordinary calls that may confirm the caller's
password (each confirmation also a sign-in attempt), or never limited (health checks)."""


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the spec, as far as routing, authorization, rate limiting, retries and
    conditional requests need it."""

    operation_id: str
    method: str
    path: str
    tag: str
    status_code: int
    permission: str | None
    public: bool
    allow_self: str | None
    rate_limit: RateLimitPolicy
    query_parameters: frozenset[str] = frozenset()
    idempotent: bool = False
    """x-idempotent: honours Idempotency-Key (app.contract.idempotency)."""
    resource: str | None = None
    """x-resource: the single resource it answers with or changes; carries an ETag, and honours
    If-None-Match (GET) or If-Match (PATCH, DELETE) (app.contract.preconditions)."""
    headers: frozenset[str] = frozenset()
    """The request headers the spec declares (X-API-Version, Idempotency-Key, If-Match, ...)."""
    statuses: frozenset[int] = frozenset()
    """Every status the spec documents for it."""
    success_headers: frozenset[str] = frozenset()
    """The headers its success response declares (ETag, Location, ...)."""
    if_match_required: bool = False
    """x-if-match: required: a PATCH or DELETE without If-Match is refused with 428
    precondition_required (app.contract.preconditions)."""
    api_version: int = 1
    """Which version's document the operation is from (its info.version's major)."""

    @property
    def organization_scoped(self) -> bool:
        """Whether the operation acts inside the organization named by {org_id}."""
        return "{org_id}" in self.path
