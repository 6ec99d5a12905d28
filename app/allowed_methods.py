"""405 Method Not Allowed decided by the spec: which methods each concrete path supports.

Routing alone gets this wrong where a literal path and a parameterised one overlap
(`DELETE /api/v1/users/me` would reach `DELETE /api/v1/users/{user_id}` and answer 422).
The most specific path template of the spec that matches a request decides instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.operation_spec import OperationSpec
from app.problems import PROBLEM_JSON, dump_json, problem_body


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


class MethodNotAllowedMiddleware:
    """Answers 405 with an Allow header, as a problem, for methods the spec does not serve."""

    def __init__(self, app: ASGIApp, allowed_methods: AllowedMethods) -> None:
        self.app = app
        self.allowed_methods = allowed_methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            methods = self.allowed_methods(scope["path"])
            if methods is not None and scope["method"] not in methods:
                await self._refuse(scope, send, methods)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, methods: frozenset[str]) -> None:
        request_id = scope.get("state", {}).get("request_id", "-")
        detail = f"{scope['method']} is not allowed on {scope['path']}."
        body = dump_json(
            problem_body(
                request_id, scope["path"], status=405, code="method_not_allowed", detail=detail
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": 405,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"allow", ", ".join(sorted(methods)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
