"""FastAPI dependencies shared by every generated route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db import Database
from app.tokens import InvalidTokenError, TokenClaims


def database_of(request: Request) -> Database:
    """The Database the app factory created."""
    database: Database = request.app.state.database
    return database


bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
"""The bearer credentials, if sent; shared so each request parses the header once."""


async def access_claims(request: Request, credentials: BearerDep) -> TokenClaims | None:
    """The verified claims of the bearer access token; None when none was sent or it is invalid.
    FastAPI caches it per request, so the rate limiter and authorize() share one decode."""
    if credentials is None:
        return None
    try:
        claims: TokenClaims = request.app.state.tokens.decode(
            credentials.credentials, expected_type="access"
        )
    except InvalidTokenError:
        return None
    return claims


AccessClaimsDep = Annotated[TokenClaims | None, Depends(access_claims)]
