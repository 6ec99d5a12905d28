"""What every route reads of the request besides its own parameters: the database and the caller's
bearer token."""

from __future__ import annotations

from fastapi import Request

from app.access.tokens import InvalidTokenError, TokenClaims
from app.data.database import Database


def database_of(request: Request) -> Database:
    """The Database the app factory created."""
    database: Database = request.app.state.database
    return database


def bearer_token(request: Request) -> str | None:
    """The credentials of an `Authorization: Bearer <token>` header, if sent (the scheme is
    case-insensitive); None for no header, another scheme or an empty token."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Bearer:
    """The request's bearer token, verified at most once and only when someone asks: the rate
    limiter and authorization share one verification, and public routes pay nothing."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.token = bearer_token(request)
        self._claims: TokenClaims | None = None
        self._verified = False

    @property
    def sent(self) -> bool:
        """Whether a bearer token was sent at all."""
        return self.token is not None

    def claims(self) -> TokenClaims | None:
        """The verified claims of the access token; None when none was sent or it is invalid."""
        if self.token is None:
            return None
        if not self._verified:
            self._verified = True
            try:
                self._claims = self.request.app.state.tokens.decode(
                    self.token, expected_type="access"
                )
            except InvalidTokenError:
                self._claims = None
        return self._claims
