"""Domain errors: what went wrong, as a status, a stable code and a human title.

Handlers and repositories raise these; app.edge.problems renders them as RFC 9457 problem details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One invalid input field, e.g. FieldError("body.timezone", "unknown zone", "timezone").
    ``field`` is the dotted location (where: body, query, path or header; then the name or the
    path into the body); ``location`` the same as parts, when known exactly (a body key may
    contain a dot), else None and ``field`` is split at its dots."""

    field: str
    message: str
    type: str
    location: tuple[str | int, ...] | None = None

    @property
    def parts(self) -> tuple[str | int, ...]:
        """The location as parts: ("body", "address", 0), ("query", "per_page")."""
        return self.location if self.location is not None else tuple(self.field.split("."))


class DomainError(Exception):
    """Base of every error a client can cause; subclasses fix status, code and title."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad Request"
    commits: ClassVar[bool] = False
    """Whether the unit of work still commits what the request wrote (normally rolled back)."""

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problem_code = code or self.code
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(DomainError):
    """The request cannot be served as sent (e.g. an unsupported API version)."""


class NotAuthenticated(DomainError):
    """Missing, invalid or expired credentials."""

    status = 401
    code = "not_authenticated"
    title = "Unauthorized"

    def __init__(self, detail: str = "Authentication required.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class RefreshTokenReused(NotAuthenticated):
    """A rotated refresh token came back: its session is ended, and that must outlive the 401."""

    code = "refresh_token_reused"
    commits = True


class NotPermitted(DomainError):
    """The caller is known but lacks the permission."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    """The resource does not exist or is not visible to the caller."""

    status = 404
    code = "not_found"
    title = "Not Found"


class Conflict(DomainError):
    """The request contradicts the current state (duplicates, last owner, ...)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidInput(DomainError):
    """Well-formed input that breaks a rule the schema cannot express."""

    status = 422
    code = "validation_failed"
    title = "Unprocessable Entity"


class ServiceUnavailable(DomainError):
    """A dependency the operation needs is down."""

    status = 503
    code = "service_unavailable"
    title = "Service Unavailable"


class RateLimited(DomainError):
    """Over a rate limit; Retry-After says when to try again."""

    status = 429
    code = "rate_limited"
    title = "Too Many Requests"

    def __init__(self, limit: int, period_seconds: int, retry_after: int) -> None:
        super().__init__(
            f"Too many requests (limit {limit} per {period_seconds} seconds); "
            f"retry in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class WriteConflict(Conflict):
    """A write kept colliding with concurrent writes (deadlock or serialization failure) after
    the unit of work's retries; nothing of it was applied, so it is safe to repeat."""

    code = "conflict_retry"
    retry_after_seconds: ClassVar[int] = 1

    def __init__(self) -> None:
        super().__init__(
            "The request collided with concurrent changes of the same data and was not applied; "
            "repeat it after the Retry-After delay.",
            headers={"Retry-After": str(self.retry_after_seconds)},
        )


class PreconditionRequired(DomainError):
    """A write whose operation requires If-Match (x-if-match: required) came without one."""

    status = 428
    code = "precondition_required"
    title = "Precondition Required"

    def __init__(self) -> None:
        super().__init__(
            "This write needs an If-Match header with the resource's ETag (or *); nothing was "
            "changed."
        )


class PreconditionFailed(DomainError):
    """An If-Match names no current version of the resource: nothing was changed."""

    status = 412
    code = "precondition_failed"
    title = "Precondition Failed"

    def __init__(self) -> None:
        super().__init__(
            "The resource has changed since the ETag in If-Match; nothing was changed. "
            "Read it again, then decide."
        )


class IdempotencyKeyInvalid(BadRequest):
    """An Idempotency-Key that is not 1 to 255 printable ASCII characters."""

    code = "idempotency_key_invalid"


class IdempotencyKeyReused(InvalidInput):
    """The key was already used for a different request of the same caller and operation."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request (another path or body) of "
            "this operation; use a new key for a new request."
        )


class IdempotencyKeyInUse(Conflict):
    """A request with the same key is still running; Retry-After says when to ask again."""

    code = "idempotency_key_in_use"
    retry_after_seconds: ClassVar[int] = 1

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still running; repeat it after the "
            "Retry-After delay to get its answer.",
            headers={"Retry-After": str(self.retry_after_seconds)},
        )
