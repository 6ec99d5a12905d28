"""The shape of generated.operations.OPERATIONS entries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the spec, as far as routing and authorization need to know it."""

    operation_id: str
    method: str
    path: str
    tag: str
    status_code: int
    permission: str | None
    public: bool
    allow_self: str | None
    query_parameters: frozenset[str] = frozenset()

    @property
    def organization_scoped(self) -> bool:
        """Whether the operation acts inside the organization named by {org_id}."""
        return "{org_id}" in self.path
