"""What the generated models need at validation time; imports nothing but email_validator.

generated/models.py imports this module and pydantic only, so importing the models stays cheap
and has no side effects.
"""

from __future__ import annotations

from typing import Any

import email_validator
from pydantic import ValidationInfo


def reject_null(value: Any, info: ValidationInfo) -> Any:
    """Validator for optional properties the spec does not allow to be null."""
    if value is None:
        raise ValueError(f"{info.field_name} may be omitted but must not be null")
    return value


def accept_every_syntactically_valid_domain() -> None:
    """Email validation as the spec means it: `format: email` is about syntax, not deliverability.

    Pydantic's EmailStr uses email-validator, which by default also refuses addresses at
    reserved domains (`.test`, `.example`, `localhost`, ...) that the spec's format accepts. Its
    documented module settings switch that off for the whole process; app.main.create_app
    applies them before the service validates any input (never at import).
    """
    email_validator.SPECIAL_USE_DOMAIN_NAMES = []
    email_validator.GLOBALLY_DELIVERABLE = False
