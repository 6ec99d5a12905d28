"""Serving every version: the newest handlers bound to the newest routes, each older version's
routes bound to them through its changes, after the start-up check of its contract."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter

from app.contract.binding import HandlerContractError, bind_routes
from app.contract.versions import NEWEST_PACKAGE, OLDER
from app.contract.versions.adapter import older_implementations
from app.contract.versions.check import generated, version_problems
from app.domain.operation_spec import OperationSpec


def bind_versions(router: APIRouter, newest: Mapping[str, object]) -> list[OperationSpec]:
    """Register the routes of every version on ``router``; returns every operation served.
    Raises HandlerContractError when a handler disagrees with the newest contract, or an older
    contract differs from it by more than its changes declare."""
    newest_operations = generated(NEWEST_PACKAGE)
    bind_routes(router, newest, newest_operations, NEWEST_PACKAGE)
    served = list(newest_operations.values())
    for version, (package, changes) in sorted(OLDER.items(), reverse=True):
        operations = generated(package)
        problems = version_problems(package, NEWEST_PACKAGE, operations, newest_operations, changes)
        if problems:
            raise HandlerContractError(
                f"v{version} differs from the newest version by more than its changes declare:\n  "
                + "\n  ".join(sorted(problems))
            )
        implementations = older_implementations(
            newest, package, NEWEST_PACKAGE, operations, changes
        )
        bind_routes(router, implementations, operations, package)
        served += operations.values()
    return served
