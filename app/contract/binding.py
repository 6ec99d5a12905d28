"""Binding handlers to generated routers, refusing to start when they disagree with the spec.

The one place of the spec rules the code must agree with (docs/architecture.md, "Spec
conventions"): every operation of the spec is implemented, with exactly the parameters and types
of its generated Protocol method; declares exactly one of x-permission and x-public (the
authorization runtime refuses an operation that declares neither); and names in x-rate-limit a
policy the rate limiter applies, a `reauthentication` one with a request body that has the field
the limiter reads the password confirmation from; and declares the Idempotency-Key, If-Match and
If-None-Match headers, the 304/409/412/422 statuses and the ETag exactly where x-idempotent and
x-resource say the runtime applies them. Problems are reported by operationId, all at
once.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Mapping
from typing import Any, get_args, get_type_hints

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.access.rate_limit_policy import CONFIRMATION_FIELD
from app.domain.operation_spec import OperationSpec, RateLimitPolicy

RATE_LIMIT_POLICIES: tuple[str, ...] = get_args(RateLimitPolicy)
"""The x-rate-limit values app.access.rate_limit_policy applies."""


class HandlerContractError(RuntimeError):
    """Handlers do not implement the spec's operations as generated."""


def function_name(operation_id: str) -> str:
    """The Protocol method name of an operationId (listSites -> list_sites)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def _protocol_methods(protocol: type) -> list[str]:
    return [
        name
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    ]


def _shape(function: Any) -> tuple[list[str], list[str]]:
    """Positional and keyword-only parameter names, each in declaration order, self left out."""
    parameters = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
    positional = [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [f"*{p.name}" for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return positional, keyword


def _signature_problems(expected: Any, actual: Any) -> list[str]:
    """Keyword-only parameters may come in any order; the message lists them as declared (the
    spec's, i.e. the Protocol's, order on the right)."""
    problems = []
    want, want_keywords = _shape(expected)
    have, have_keywords = _shape(actual)
    if want != have or sorted(want_keywords) != sorted(have_keywords):
        problems.append(
            f"parameters ({', '.join(have + have_keywords)}) should be"
            f" ({', '.join(want + want_keywords)}) as in the spec"
        )
        return problems
    try:
        want_hints, have_hints = get_type_hints(expected), get_type_hints(actual)
    except (NameError, TypeError) as exc:
        return [f"type hints cannot be resolved: {exc}"]
    for name, hint in want_hints.items():
        if have_hints.get(name) != hint:
            problems.append(f"{name} is typed {have_hints.get(name)!r}, the spec says {hint!r}")
    return problems


def check_implementation(
    protocol: type, implementation: object, operations: Mapping[str, OperationSpec]
) -> list[str]:
    """Every way the implementation fails the protocol, each naming its operationId."""
    operation_ids = {function_name(op_id): op_id for op_id in operations}
    owner = type(implementation).__name__
    problems = []
    for name in _protocol_methods(protocol):
        operation_id = operation_ids.get(name, name)
        method = getattr(implementation, name, None)
        if method is None:
            problems.append(f"{operation_id}: {owner} has no method {name}()")
        elif not inspect.iscoroutinefunction(method):
            problems.append(f"{operation_id}: {owner}.{name}() must be `async def`")
        else:
            problems.extend(
                f"{operation_id}: {owner}.{name}() {problem}"
                for problem in _signature_problems(getattr(protocol, name), method)
            )
    return problems


def undeclared_access(operations: Mapping[str, OperationSpec]) -> list[str]:
    """Operations that declare neither a permission nor x-public (they would fail closed at
    runtime: app.contract.authorization refuses them to everyone), or both."""
    problems = []
    for operation_id, operation in operations.items():
        if operation.permission is None and not operation.public:
            problems.append(f"{operation_id}: declares neither x-permission nor x-public: true")
        elif operation.permission is not None and operation.public:
            problems.append(f"{operation_id}: declares both x-permission and x-public: true")
    return problems


def unknown_rate_limits(operations: Mapping[str, OperationSpec]) -> list[str]:
    """Operations whose x-rate-limit is missing or not a policy the rate limiter applies."""
    return [
        f"{operation_id}: x-rate-limit must be one of {', '.join(RATE_LIMIT_POLICIES)}"
        for operation_id, operation in operations.items()
        if operation.rate_limit not in RATE_LIMIT_POLICIES
    ]


def unconfirmed_reauthentication(
    protocol: type, operations: Mapping[str, OperationSpec]
) -> list[str]:
    """The protocol's `reauthentication` operations whose request body (the generated model of
    the method's ``body``) lacks the field the rate limiter reads the password from."""
    problems = []
    for operation_id, operation in operations.items():
        method = getattr(protocol, function_name(operation_id), None)
        if operation.rate_limit != "reauthentication" or method is None:
            continue
        body = get_type_hints(method).get("body")
        model = body if isinstance(body, type) and issubclass(body, BaseModel) else None
        fields = {f.alias or name for name, f in model.model_fields.items()} if model else set()
        if CONFIRMATION_FIELD not in fields:
            problems.append(
                f"{operation_id}: x-rate-limit reauthentication, but its request body has no "
                f"{CONFIRMATION_FIELD}"
            )
    return problems


CONDITIONAL_HEADERS = {
    "GET": ("If-None-Match", 304),
    "PATCH": ("If-Match", 412),
    "DELETE": ("If-Match", 412),
}
"""Per method of an x-resource operation: the precondition header it honours and its status."""
IDEMPOTENCY_STATUSES = frozenset({400, 409, 422})
"""idempotency_key_invalid, idempotency_key_in_use, idempotency_key_reused."""


def undeclared_retries(operations: Mapping[str, OperationSpec]) -> list[str]:
    """Operations whose x-idempotent and x-resource disagree with the headers and statuses the
    spec declares for them, either way: the runtime applies the extensions
    (app.contract.idempotency, app.contract.preconditions), so a client must find them declared,
    and a declared header must be honoured."""
    problems = []
    for operation_id, op in operations.items():
        if op.idempotent != ("Idempotency-Key" in op.headers):
            problems.append(
                f"{operation_id}: x-idempotent and the Idempotency-Key parameter go together"
            )
        if op.idempotent and op.method != "POST":
            problems.append(f"{operation_id}: x-idempotent applies to POST operations only")
        if op.idempotent and not op.statuses >= IDEMPOTENCY_STATUSES:
            problems.append(f"{operation_id}: x-idempotent needs 400, 409 and 422 documented")
        wanted, status = CONDITIONAL_HEADERS.get(op.method, (None, 0))
        for header in ("If-Match", "If-None-Match"):
            declared = header in op.headers
            if declared != (op.resource is not None and header == wanted):
                methods = "GET" if header == "If-None-Match" else "PATCH, DELETE"
                problems.append(
                    f"{operation_id}: {header} is declared exactly on x-resource operations"
                    f" whose method honours it ({methods})"
                )
        requires = op.if_match_required
        if requires and (op.resource is None or op.method not in ("PATCH", "DELETE")):
            problems.append(f"{operation_id}: x-if-match applies to x-resource PATCH and DELETE")
        if requires != (428 in op.statuses):
            problems.append(
                f"{operation_id}: x-if-match: required and a documented 428 go together"
            )
        if op.resource is not None and wanted is not None and status not in op.statuses:
            problems.append(f"{operation_id}: x-resource {op.method} needs {status} documented")
        carries_body = op.status_code != 204
        if ("ETag" in op.success_headers) != (op.resource is not None and carries_body):
            problems.append(
                f"{operation_id}: the success response declares ETag exactly when x-resource"
                " is set and it has a body"
            )
    return problems


def protocol_of(package: str, tag: str) -> type:
    """The generated Protocol a tag's router binds (``package``: generated, generated.v2)."""
    module = importlib.import_module(f"{package}.routers.{tag}")
    protocol = inspect.signature(module.build_router).parameters["impl"].annotation
    if isinstance(protocol, str):
        protocol = getattr(importlib.import_module(f"{package}.protocols"), protocol)
    return protocol  # type: ignore[no-any-return]


def bind_routes(
    router: APIRouter,
    implementations: Mapping[str, object],
    operations: Mapping[str, OperationSpec],
    package: str = "generated.v2",
) -> None:
    """Register every tag module's routes generated into ``package`` on ``router`` (the app's
    own, so requests are matched in one flat list), each bound to its implementation; raises
    HandlerContractError listing every missing or mismatched handler, before any is used. A
    route another version already serves on the same method and path (the unversioned health
    checks) is left to that version."""
    tags = importlib.import_module(f"{package}.routers").TAGS
    problems = undeclared_access(operations) + unknown_rate_limits(operations)
    problems += undeclared_retries(operations)
    problems += [
        f"tag {tag!r}: no handler registered" for tag in tags if tag not in implementations
    ]
    problems += [f"tag {tag!r}: not in the spec" for tag in implementations if tag not in tags]
    served = {
        (route.path, method)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for tag in tags:
        if tag not in implementations:
            continue
        module = importlib.import_module(f"{package}.routers.{tag}")
        protocol = protocol_of(package, tag)
        problems += check_implementation(protocol, implementations[tag], operations)
        problems += unconfirmed_reauthentication(protocol, operations)
        known = len(router.routes)
        module.build_router(implementations[tag], router)
        router.routes[known:] = [
            route
            for route in router.routes[known:]
            if not (isinstance(route, APIRoute) and (route.path, *(route.methods or ())) in served)
        ]
    if problems:
        raise HandlerContractError(
            "Handlers do not match the spec:\n  " + "\n  ".join(sorted(problems))
        )
