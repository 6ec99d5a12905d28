"""v2 change 5: validation problems point with JSON Pointer.

v2 writes each `errors` item as `{"pointer": "/name", "detail", "type"}` (a body field) or
`{"parameter": "per_page", "detail", "type"}` (app.edge.problems.error_item); v1 keeps
`{"field": "body.name", "message", "type"}`, the dotted location."""

from __future__ import annotations

from typing import Any

from app.domain.errors import FieldError


def v1_error_item(error: FieldError) -> dict[str, Any]:
    """An `errors` item as v1 writes it."""
    return {"field": error.field, "message": error.message, "type": error.type}


ERROR_SHAPE = v1_error_item
"""v1's problem `errors` item (app.edge.problems.OLDER_ERROR_SHAPES)."""
