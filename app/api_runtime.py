"""The thin runtime that generated/ code imports: nothing else in app/ is imported from there."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo

from app.authorization import authorize
from app.context import RequestContext
from app.email_syntax import accept_every_syntactically_valid_domain
from app.envelopes import respond_empty, respond_page, respond_single
from app.operation_spec import OperationSpec
from app.pagination import Page
from app.query_parameters import reject_unknown_query
from app.rate_limit_policy import limit_rate
from app.time_zones import known_time_zone

accept_every_syntactically_valid_domain()


def reject_null(value: Any, info: ValidationInfo) -> Any:
    """Validator for optional properties the spec does not allow to be null."""
    if value is None:
        raise ValueError(f"{info.field_name} may be omitted but must not be null")
    return value


__all__ = [
    "OperationSpec",
    "Page",
    "RequestContext",
    "authorize",
    "known_time_zone",
    "limit_rate",
    "reject_null",
    "reject_unknown_query",
    "respond_empty",
    "respond_page",
    "respond_single",
]
