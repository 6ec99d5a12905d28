"""Query parameters the spec does not declare are refused, like unknown body fields."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from app.operation_spec import OperationSpec


def reject_unknown_query(operation: OperationSpec) -> Callable[[Request], None]:
    """A route dependency answering 422 for any query parameter the operation does not declare."""

    def dependency(request: Request) -> None:
        unknown = sorted(set(request.query_params) - operation.query_parameters)
        if unknown:
            raise RequestValidationError(
                [
                    {
                        "type": "extra_forbidden",
                        "loc": ("query", name),
                        "msg": "Unknown query parameter",
                        "input": request.query_params.getlist(name),
                    }
                    for name in unknown
                ]
            )

    dependency.__name__ = f"reject_unknown_query_{operation.operation_id}"
    return dependency
