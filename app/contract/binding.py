"""Binding handlers to generated routers, refusing to start when they disagree with the spec.

The one place of the spec rules the code must agree with (docs/architecture.md, "Spec
conventions"): every operation of the spec is implemented, with exactly the parameters and types
of its generated Protocol method; declares exactly one of x-permission and x-public (the
authorization runtime refuses an operation that declares neither); and names in x-rate-limit a
policy the rate limiter applies, a `reauthentication` one with a request body that has the field
the limiter reads the password confirmation from. Problems are reported by operationId, all at
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
