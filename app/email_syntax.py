"""Email validation as the spec means it: `format: email` is about syntax, not deliverability.

Pydantic's EmailStr uses email-validator, which by default also refuses addresses at reserved
domains (`.test`, `.example`, `localhost`, ...) that the spec's format accepts. Its documented
module settings switch that off; app.api_runtime applies them before any model validates input.
"""

from __future__ import annotations

import email_validator


def accept_every_syntactically_valid_domain() -> None:
    """Accept reserved and single-label domains, as JSON Schema's `email` format does."""
    email_validator.SPECIAL_USE_DOMAIN_NAMES = []
    email_validator.GLOBALLY_DELIVERABLE = False
