"""Query parameters the spec does not declare are refused, like unknown body fields."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from app.domain.operation_spec import OperationSpec


def unknown_query_parameters(
    items: list[tuple[str, str]], declared: frozenset[str]
) -> dict[str, list[str]]:
    """The undeclared names with every value sent for each, in one pass over the query."""
    unknown: dict[str, list[str]] = {}
    for name, value in items:
        if name not in declared:
            unknown.setdefault(name, []).append(value)
    return unknown


def reject_unknown_query(operation: OperationSpec, request: Request) -> None:
    """Answer 422 for any query parameter the operation does not declare; linear in the size of
    the query string."""
    if not request.scope["query_string"]:
        return
    unknown = unknown_query_parameters(
        request.query_params.multi_items(), operation.query_parameters
    )
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "Unknown query parameter",
                    "input": unknown[name],
                }
                for name in sorted(unknown)
            ]
        )
