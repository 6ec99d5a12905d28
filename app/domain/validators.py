"""What the generated models need at validation time; imports nothing but email_validator and
app.domain.emails (the standard library and idna).

generated/models.py imports this module and pydantic only, so importing the models stays cheap
and has no side effects.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import email_validator
from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)

from app.domain.emails import canonical_email


def reject_null(value: Any, info: ValidationInfo) -> Any:
    """Validator for optional properties the spec does not allow to be null."""
    if value is None:
        raise ValueError(f"{info.field_name} may be omitted but must not be null")
    return value


def no_spaces(value: Any, info: ValidationInfo) -> Any:
    """Validator for email properties, before Pydantic's EmailStr (which strips surrounding
    whitespace): an address with a space anywhere is refused, never trimmed."""
    if isinstance(value, str) and any(character.isspace() for character in value):
        raise ValueError(f"{info.field_name} must not contain spaces")
    return value


def canonical(value: Any, info: ValidationInfo) -> Any:
    """Validator for email properties: the address in its one canonical form (app.domain.emails), so
    every spelling of it is one account; refused when it has none."""
    return canonical_email(value) if isinstance(value, str) else value


@cache
def _request_email() -> TypeAdapter[str]:
    def before(value: Any) -> Any:
        if isinstance(value, str) and any(character.isspace() for character in value):
            raise ValueError("spaces")
        return value

    checked = Annotated[EmailStr, BeforeValidator(before), AfterValidator(canonical_email)]
    return TypeAdapter(checked)


def request_email(value: str) -> str | None:
    """What a request's email property makes of value (no_spaces, EmailStr, canonical): the
    canonical address, or None when validation refuses it (and no account is ever looked up)."""
    try:
        return _request_email().validate_python(value)
    except ValidationError:
        return None


def accept_every_syntactically_valid_domain() -> None:
    """Email validation as the spec means it: `format: email` is about syntax, not deliverability.

    Pydantic's EmailStr uses email-validator, which by default also refuses addresses at
    reserved domains (`.test`, `.example`, `localhost`, ...) that the spec's format accepts. Its
    documented module settings switch that off for the whole process; app.main.create_app
    applies them before the service validates any input (never at import).
    """
    email_validator.SPECIAL_USE_DOMAIN_NAMES = []
    email_validator.GLOBALLY_DELIVERABLE = False
