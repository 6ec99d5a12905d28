"""The start-up check of an older version against the newest: the two generated contracts may
differ only by what the version's changes declare.

For every operation of the older document: the newer document has it, with the same method,
path (but for the version prefix), tag, success status, permission, rate-limit policy and
x-allow-self; its query parameters are the older ones but for those the changes declare
(`older_parameters`, `newer_parameters`); and the request body and the resource it answers
(a list's items) have the same JSON Schema in both generated models once the changes'
`removed_fields` and `renamed_values` are applied to the newer one. The declarations themselves
must be true (a removed field the newer model lacks, or the older has, is a problem too). So a
change that would leave a v1 response not matching v1's schema stops the service at start-up,
naming the operation, never in production.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from app.contract.binding import function_name, protocol_of
from app.contract.versions.change import VersionChange
from app.contract.versions.deprecation import DEPRECATION_HEADERS
from app.domain.operation_spec import OperationSpec
from app.domain.pagination import Page

SAME = (
    "method",
    "tag",
    "status_code",
    "permission",
    "public",
    "allow_self",
    "rate_limit",
    "idempotent",
    "resource",
    "headers",
)
"""What an operation keeps across versions, beside its path."""
NOT_CONTRACT = frozenset({"description", "examples", "example", "title"})
"""JSON Schema keywords that document rather than constrain."""


def _bare(schema: Any) -> Any:
    """The schema without its documentation keywords."""
    if isinstance(schema, dict):
        return {k: _bare(v) for k, v in schema.items() if k not in NOT_CONTRACT}
    if isinstance(schema, list):
        return [_bare(item) for item in schema]
    return schema


def _named(model: type[BaseModel], mode: str) -> dict[str, Any]:
    """Every schema of a model's JSON Schema by name (the model itself under its own name)."""
    schema = _bare(model.model_json_schema(mode=mode))  # type: ignore[arg-type]
    named: dict[str, Any] = schema.pop("$defs", {})
    named[model.__name__] = schema
    return named


def _as_older(named: dict[str, Any], changes: Iterable[VersionChange]) -> dict[str, Any]:
    """The newer schemas with the changes' declared differences undone."""
    for change in changes:
        for name, fields in change.removed_fields.items():
            schema = named.get(name)
            if schema is None:
                continue
            for field in fields:
                schema.get("properties", {}).pop(field, None)
                if field in schema.get("required", []):
                    schema["required"] = [f for f in schema["required"] if f != field]
                if schema.get("required") == []:
                    del schema["required"]
        for name, renames in change.renamed_values.items():
            schema = named.get(name)
            if schema is not None and "enum" in schema:
                schema["enum"] = [renames.get(value, value) for value in schema["enum"]]
                if schema.get("default") in renames:
                    schema["default"] = renames[schema["default"]]
    return named


def _reachable(named: dict[str, Any], root: str) -> dict[str, Any]:
    """The schemas the root schema still refers to (a removed field's type is dropped)."""
    seen: dict[str, Any] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen or name not in named:
            continue
        seen[name] = named[name]
        pending += _references(named[name])
    return seen


def _references(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["$ref"].rsplit("/", 1)[-1]] if isinstance(schema.get("$ref"), str) else []
        return found + [name for value in schema.values() for name in _references(value)]
    if isinstance(schema, list):
        return [name for item in schema for name in _references(item)]
    return []


def _declarations(
    what: str, older: dict[str, Any], newer: dict[str, Any], changes: Iterable[VersionChange]
) -> list[str]:
    """Declarations that are not true of these two models."""
    problems = []
    for change in changes:
        for name, fields in change.removed_fields.items():
            for field in fields if name in newer else ():
                if field not in newer[name].get("properties", {}):
                    problems.append(f"{what}: {change.name} removes {name}.{field}, not in v-new")
                if field in older.get(name, {}).get("properties", {}):
                    problems.append(
                        f"{what}: {change.name} removes {name}.{field}, yet v-old has it"
                    )
    return problems


def _model(hint: Any) -> type[BaseModel] | None:
    """The model a parameter or return hint carries (a page's item model)."""
    if get_origin(hint) is Page:
        hint = get_args(hint)[0]
    return hint if isinstance(hint, type) and issubclass(hint, BaseModel) else None


def _compare(
    what: str,
    older: type[BaseModel] | None,
    newer: type[BaseModel] | None,
    mode: str,
    changes: Sequence[VersionChange],
) -> list[str]:
    if older is None or newer is None:
        return [] if older is newer else [f"{what}: one version has a model, the other not"]
    older_schemas, newer_schemas = _named(older, mode), _named(newer, mode)
    problems = _declarations(what, older_schemas, newer_schemas, changes)
    converted = _reachable(_as_older(newer_schemas, changes), newer.__name__)
    for name in sorted(older_schemas.keys() | converted.keys()):
        if older_schemas.get(name) != converted.get(name):
            problems.append(
                f"{what}: {name} differs between the versions by more than their changes declare"
            )
    return problems


def version_problems(
    older_package: str,
    newer_package: str,
    older_operations: Mapping[str, OperationSpec],
    newer_operations: Mapping[str, OperationSpec],
    changes: Sequence[VersionChange],
) -> list[str]:
    """Every way the older contract differs from the newer by more than ``changes`` declare."""
    problems = []
    for operation_id, older in older_operations.items():
        newer = newer_operations.get(operation_id)
        if newer is None:
            problems.append(f"{operation_id}: not in v{older.api_version + 1}")
            continue
        applying = [change for change in changes if change.applies_to(operation_id)]
        for field in SAME:
            if getattr(older, field) != getattr(newer, field):
                problems.append(f"{operation_id}: {field} differs between the versions")
        if older.success_headers - DEPRECATION_HEADERS != newer.success_headers:
            problems.append(f"{operation_id}: success headers differ by more than deprecation")
        added_statuses = {s for change in applying for s in change.newer_statuses}
        if older.statuses | added_statuses != newer.statuses:
            problems.append(f"{operation_id}: statuses differ by more than declared")
        relaxed = any(change.if_match_optional_in_older for change in applying)
        if older.if_match_required != (newer.if_match_required and not relaxed):
            problems.append(f"{operation_id}: if_match_required differs by more than declared")
        prefix, newer_prefix = f"/api/v{older.api_version}/", f"/api/v{newer.api_version}/"
        if older.path.replace(prefix, newer_prefix, 1) != newer.path:
            problems.append(f"{operation_id}: path {older.path} is {newer.path} in the newer")
        dropped = {p for change in applying for p in change.older_parameters}
        added = {p for change in applying for p in change.newer_parameters}
        if (older.query_parameters - dropped) | added != newer.query_parameters:
            problems.append(f"{operation_id}: query parameters differ by more than declared")
        tag = older.tag.replace(" ", "_").replace("-", "_").lower()
        name = function_name(operation_id)
        older_hints = get_type_hints(getattr(protocol_of(older_package, tag), name))
        newer_hints = get_type_hints(getattr(protocol_of(newer_package, tag), name))
        for part, mode in (("body", "validation"), ("return", "serialization")):
            problems += _compare(
                f"{operation_id} ({part})",
                _model(older_hints.get(part)),
                _model(newer_hints.get(part)),
                mode,
                applying,
            )
    return problems


def generated(package: str) -> Mapping[str, OperationSpec]:
    """The OPERATIONS generated into a package."""
    operations: Mapping[str, OperationSpec] = importlib.import_module(
        f"{package}.operations"
    ).OPERATIONS
    return operations
