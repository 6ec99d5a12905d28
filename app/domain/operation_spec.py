"""The shape of generated.operations.OPERATIONS entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RateLimitPolicy = Literal["credentials", "standard", "reauthentication", "exempt"]
"""x-rate-limit: sign-in attempts, ordinary calls, ordinary calls that may confirm the caller's
password (each confirmation also a sign-in attempt), or never limited (health checks)."""


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the spec, as far as routing, authorization and rate limiting need it."""

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
    api_version: int = 1
    """Which version's document the operation is from (its info.version's major)."""

    @property
    def organization_scoped(self) -> bool:
        """Whether the operation acts inside the organization named by {org_id}."""
        return "{org_id}" in self.path
