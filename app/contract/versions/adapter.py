"""An older version's handlers: the newest handlers behind that version's changes.

For each operation of the older document, a method with exactly the signature of the older
generated Protocol (so the start-up binding checks it like any handler) that converts the older
request into the newest one (every change's ``request``, in order), calls the newest handler, and
converts its answer back (``resource`` for each resource, ``page`` for a page) into the older
generated model. No handler or route is copied: a version is its list of changes.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import types
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Optional, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, create_model

from app.contract.binding import function_name, protocol_of
from app.contract.versions.change import Values, VersionChange
from app.domain.operation_spec import OperationSpec
from app.domain.pagination import Page

Converter = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _plain(value: Any) -> Any:
    """A request argument as a plain JSON value (bodies as sent: unset fields left out)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return value


def _inner(annotation: Any) -> Any:
    """X for `X | None`, else the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [kind for kind in get_args(annotation) if kind is not type(None)]
        return kinds[0] if len(kinds) == 1 else annotation
    return annotation


def relaxed(model: type[BaseModel], optional: Sequence[str]) -> type[BaseModel]:
    """A subclass of ``model`` whose named fields are optional (None when absent): how an older
    request that cannot carry them is validated as the newer model."""
    fields: dict[str, Any] = {
        name: (Optional[model.model_fields[name].annotation], None)  # noqa: UP045 - a runtime type
        for name in optional
    }
    return create_model(f"{model.__name__}FromOlder", __base__=model, **fields)


def _converter(annotation: Any, changes: Sequence[VersionChange]) -> Converter:
    """From a plain value to the newer handler's parameter type (`_same` when it is one)."""
    kind = _inner(annotation)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda value: None if value is None else kind(value)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        optional = [f for c in changes for f in c.optional_in_older.get(kind.__name__, ())]
        model = relaxed(kind, optional) if optional else kind
        return model.model_validate
    return _same


def _already_plain(annotation: Any) -> bool:
    """Whether every value of the annotation is its own plain value (`_plain` returns it)."""
    kind = _inner(annotation)
    return isinstance(kind, type) and kind in (str, int, float, bool, uuid.UUID)


def _resource_changes(changes: Sequence[VersionChange]) -> list[VersionChange]:
    return [c for c in changes if type(c).resource is not VersionChange.resource]


def _answer(hint: Any, changes: Sequence[VersionChange]) -> Converter:
    """From the newer handler's answer to the older Protocol's return type."""
    converting = _resource_changes(changes)
    if get_origin(hint) is Page:
        schema = get_args(hint)[0].__name__

        def page(result: Page[Any]) -> Page[Any]:
            if converting:
                # Plain rows this request read, held by nothing but the newer page: converted in
                # place (copying each cost more than converting it); any other mapping copied.
                items = [item if type(item) is dict else dict(item) for item in result.items]
                for values in items:
                    for change in converting:
                        change.resource(schema, values)
                result = result.holding(items)
            for change in changes:
                result = change.page(result)
            return result

        return page
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        older: type[BaseModel] = hint
        validate = older.__pydantic_validator__.validate_python

        def single(result: BaseModel) -> BaseModel:
            # Python values, as a page's rows are: the older model validates the ids and times
            # the newer one holds without parsing them from text again.
            values: Values = result.model_dump()
            for change in converting:
                change.resource(type(result).__name__, values)
            converted: BaseModel = validate(values)  # model_validate, minus its argument checks
            return converted

        return single
    return lambda result: result


def _method(
    operation_id: str,
    older: Callable[..., Any],
    newer: Callable[..., Any],
    handler: Callable[..., Awaitable[Any]],
    changes: Sequence[VersionChange],
) -> Callable[..., Awaitable[Any]]:
    """The older Protocol's method, served by the newer handler through the changes."""
    older_hints = get_type_hints(older)
    newer_hints = get_type_hints(newer)
    applying = [change for change in changes if change.applies_to(operation_id)]
    requesting = [c for c in applying if type(c).request is not VersionChange.request]
    converters = {
        name: _converter(hint, applying)
        for name, hint in newer_hints.items()
        if name not in ("ctx", "return")
    }
    # Worked out once rather than per request: which arguments need their plain value, which
    # changes convert requests, which parameters take the value as it is.
    to_plain = [
        name
        for name, hint in older_hints.items()
        if name not in ("ctx", "return") and not _already_plain(hint)
    ]
    passed = [name for name, convert in converters.items() if convert is _same]
    converting = [(name, convert) for name, convert in converters.items() if convert is not _same]
    answer = _answer(older_hints["return"], applying)

    async def serve(self: object, ctx: Any, **arguments: Any) -> Any:
        for name in to_plain:
            if name in arguments:
                arguments[name] = _plain(arguments[name])
        for change in requesting:
            change.request(operation_id, arguments)
        newer_arguments = {name: arguments.get(name) for name in passed}
        for name, convert in converting:
            newer_arguments[name] = convert(arguments.get(name))
        return answer(await handler(ctx, **newer_arguments))

    serve.__signature__ = inspect.signature(older)  # type: ignore[attr-defined]
    serve.__annotations__ = older_hints
    serve.__name__ = serve.__qualname__ = older.__name__
    return serve


def older_implementations(
    newest: Mapping[str, object],
    older_package: str,
    newer_package: str,
    operations: Mapping[str, OperationSpec],
    changes: Sequence[VersionChange],
) -> dict[str, object]:
    """The implementation of every tag of the older version's document (``older_package``),
    serving each operation through ``newest`` (which implements ``newer_package``'s Protocols).
    A tag the newest handlers lack is left out (the binding reports it)."""
    names = {function_name(operation_id): operation_id for operation_id in operations}
    tags = importlib.import_module(f"{older_package}.routers").TAGS
    implementations: dict[str, object] = {}
    for tag in tags:
        handler = newest.get(tag)
        if handler is None:
            continue
        older_protocol = protocol_of(older_package, tag)
        newer_protocol = protocol_of(newer_package, tag)
        methods = {
            name: _method(
                names.get(name, name),
                member,
                getattr(newer_protocol, name),
                getattr(handler, name),
                changes,
            )
            for name, member in vars(older_protocol).items()
            if inspect.isfunction(member) and not name.startswith("_")
        }
        adapter = type(f"{older_protocol.__name__}Through{type(handler).__name__}", (), methods)
        implementations[tag] = adapter()
    return implementations
