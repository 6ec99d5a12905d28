"""405 Method Not Allowed decided by the spec: which methods each concrete path supports.

Routing alone gets this wrong where a literal path and a parameterised one overlap
(`DELETE /api/v1/users/me` would reach `DELETE /api/v1/users/{user_id}` and answer 422).
The most specific path template of the spec that matches a request decides instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.routing import compile_path
from starlette.types import Scope

from app.domain.operation_spec import OperationSpec


class AllowedMethods:
    """Maps a request path to the methods the spec serves on it."""

    def __init__(self, operations: Iterable[OperationSpec]) -> None:
        templates: dict[str, set[str]] = {}
        for operation in operations:
            templates.setdefault(operation.path, set()).add(operation.method)
        # Fewest parameters first: a literal segment beats a parameter.
        self.templates: list[tuple[re.Pattern[str], int, frozenset[str]]] = sorted(
            (
                (compile_path(path)[0], path.count("{"), frozenset(methods))
                for path, methods in templates.items()
            ),
            key=lambda item: item[1],
        )

    def __call__(self, path: str) -> frozenset[str] | None:
        """The methods of the most specific template matching path; None when none matches."""
        for pattern, _, methods in self.templates:
            if pattern.match(path):
                return methods
        return None


def method_not_allowed(
    scope: Scope, methods: frozenset[str]
) -> tuple[int, str, str, dict[str, str]]:
    """The 405 problem (status, code, detail, headers) for a method the path does not serve."""
    detail = f"{scope['method']} is not allowed on {scope['path']}."
    allowed = methods | {"HEAD"} if "GET" in methods else methods  # HEAD: see app.edge.middleware
    return 405, "method_not_allowed", detail, {"Allow": ", ".join(sorted(allowed))}
