"""405 Method Not Allowed decided by the spec: which methods each concrete path supports.

Routing alone gets this wrong where a literal path and a parameterised one overlap
(`DELETE /api/v1/users/me` would reach `DELETE /api/v1/users/{user_id}` and answer 422).
The most specific path template of the spec that matches a request decides instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

from app.domain.operation_spec import OperationSpec
from app.edge.path_tree import PathTree, template_segments


class AllowedMethods:
    """Maps a request path to the methods the spec serves on it."""

    def __init__(self, operations: Iterable[OperationSpec]) -> None:
        templates: dict[str, set[str]] = {}
        for operation in operations:
            templates.setdefault(operation.path, set()).add(operation.method)
        self.templates: PathTree[tuple[int, frozenset[str]]] = PathTree()
        for path, methods in templates.items():
            segments = template_segments(path)
            if segments is None:  # the spec's paths are `/literal/{parameter}/...`
                raise ValueError(f"{path}: a segment mixes text and a parameter")
            self.templates.add(segments, (path.count("{"), frozenset(methods)))

    def __call__(self, path: str) -> frozenset[str] | None:
        """The methods of the most specific template matching path (fewest parameters: a
        literal segment beats a parameter); None when none matches."""
        found = self.templates.find(path)
        if not found:
            return None
        return min(found, key=_parameters)[1]  # the first of the fewest, as added


def method_not_allowed(
    scope: Scope, methods: frozenset[str]
) -> tuple[int, str, str, dict[str, str]]:
    """The 405 problem (status, code, detail, headers) for a method the path does not serve."""
    detail = f"{scope['method']} is not allowed on {scope['path']}."
    allowed = methods | {"HEAD"} if "GET" in methods else methods  # HEAD: see app.edge.middleware
    return 405, "method_not_allowed", detail, {"Allow": ", ".join(sorted(allowed))}


def _parameters(template: tuple[int, frozenset[str]]) -> int:
    return template[0]
