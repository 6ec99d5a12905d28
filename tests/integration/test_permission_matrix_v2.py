"""The permission matrix of v2: every guarded v2 operation, called as every kind of caller,
answers the status of its row: v1's MATRIX row for the operations both versions have (the
permissions are the same in both; the start-up check of app.contract.versions refuses a
difference), ADDED_IN_V2 for the newer ones (`make resource` adds its rows there), with v2's
example bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.operation_spec import OperationSpec
from generated.operations import OPERATIONS as V1_OPERATIONS
from generated.v2.operations import OPERATIONS
from tests.factories import auth_headers
from tests.integration.test_permission_matrix import (
    BODIES,
    CALLERS,
    MATRIX,
    PATH_VALUES,
    build_world,
    derived,
)

SPEC = json.loads((Path(__file__).parents[2] / "generated" / "v2" / "openapi.json").read_text())
GUARDED = sorted(op_id for op_id, op in OPERATIONS.items() if not op.public)
# Columns as in v1's MATRIX: superadmin, owner, admin, member, non_member, anonymous.
ADDED_IN_V2: dict[str, tuple[int, int, int, int, int, int]] = {}
"""Rows of the guarded operations v1 does not have."""
MATRIX_V2 = {**MATRIX, **ADDED_IN_V2}


def example_body(operation: OperationSpec) -> dict[str, Any] | None:
    """The v2 spec's example request body of the operation, if it takes one."""
    spec = SPEC["paths"][operation.path][operation.method.lower()]
    content = spec.get("requestBody", {}).get("content", {}).get("application/json")
    return None if content is None else dict(content["example"])


def test_v2_guards_every_v1_operation_and_each_row_is_as_rbac_says() -> None:
    assert {op_id for op_id, op in V1_OPERATIONS.items() if not op.public} <= set(GUARDED)
    assert not set(ADDED_IN_V2) & set(V1_OPERATIONS)
    assert set(MATRIX_V2) == set(GUARDED)
    for operation_id in GUARDED:
        assert derived(OPERATIONS[operation_id]) == MATRIX_V2[operation_id], operation_id


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation_id", GUARDED)
async def test_permission_matrix_v2(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, operation_id: str, caller: str
) -> None:
    world = await build_world(db)
    operation = OPERATIONS[operation_id]
    names = [name for name in PATH_VALUES if f"{{{name}}}" in operation.path]
    path = {name: await PATH_VALUES[name](db, world) for name in names}
    body = BODIES[operation_id](world) if operation_id in BODIES else example_body(operation)
    user = world.users[caller]
    headers = await auth_headers(app, user) if user is not None else {}
    if operation.if_match_required:
        headers["If-Match"] = "*"  # required in v2 (428 without it: test_v2_if_match.py)
    response = await client.request(
        operation.method, operation.path.format(**path), json=body, headers=headers
    )
    assert response.status_code == MATRIX_V2[operation_id][CALLERS.index(caller)], response.text
    assert response.headers["x-api-version"] == "2"
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
