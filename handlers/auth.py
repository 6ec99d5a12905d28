"""Authentication: login, refreshToken (rotating, with reuse detection) and logout.

A login opens a login session; its tokens name it (`sid`). Refreshing swaps the session's one
redeemable refresh token for a new one in a single conditional UPDATE; presenting an older one
of the same session is a reuse, which ends the session (and every token it issued).
"""

from __future__ import annotations

import uuid

from app.access.passwords import PasswordHasher
from app.access.tokens import InvalidTokenError, TokenClaims, TokenService
from app.contract.runtime import RequestContext
from app.data.repositories.login_sessions import LoginSessionRepository
from app.data.repositories.users import UserRepository
from app.domain.errors import NotAuthenticated, RefreshTokenReused
from generated.v2.models import LoginRequest, LogoutRequest, RefreshRequest, TokenPair, TokenType

INVALID_REFRESH = "The refresh token is invalid, expired or revoked."
INVALID_CREDENTIALS = "Incorrect email or password."


class AuthHandlers:
    """Implements generated.v2.protocols.AuthOperations."""

    def __init__(self, tokens: TokenService, passwords: PasswordHasher) -> None:
        self.tokens = tokens
        self.passwords = passwords

    def _pair(self, user_id: uuid.UUID, session_id: uuid.UUID, refresh_jti: uuid.UUID) -> TokenPair:
        """A new access token and the session's next refresh token."""
        access = self.tokens.issue_access(user_id, session_id)
        refresh = self.tokens.issue_refresh(user_id, session_id, refresh_jti)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            token_type=TokenType.bearer,
            expires_in=access.expires_in,
        )

    def _claims(self, token: str) -> TokenClaims:
        try:
            return self.tokens.decode(token, expected_type="refresh")
        except InvalidTokenError as exc:
            raise NotAuthenticated(INVALID_REFRESH, code="invalid_refresh_token") from exc

    async def login(self, ctx: RequestContext, *, body: LoginRequest) -> TokenPair:
        """Read the account, hand the connection back, verify the password (waiting for a
        hashing slot with no connection held), then open the session if nothing changed."""
        account = await UserRepository(ctx.unit_of_work).sign_in_row(body.email)
        await ctx.unit_of_work.release()
        password_hash = account["password_hash"] if account else None
        # Unknown emails are checked against a dummy hash, so both failures take as long.
        valid = await self.passwords.verify_or_dummy(body.password, password_hash)
        if account is None or password_hash is None or not valid or not account["is_active"]:
            raise NotAuthenticated(INVALID_CREDENTIALS, code="invalid_credentials")
        session_id, refresh_jti = uuid.uuid4(), uuid.uuid4()
        sessions = LoginSessionRepository(ctx.unit_of_work)
        if not await sessions.open_if_unchanged(
            session_id, account["id"], refresh_jti, password_hash=password_hash
        ):  # deactivated, deleted or given another password while the hash was checked
            raise NotAuthenticated(INVALID_CREDENTIALS, code="invalid_credentials")
        return self._pair(account["id"], session_id, refresh_jti)

    async def refresh_token(self, ctx: RequestContext, *, body: RefreshRequest) -> TokenPair:
        claims = self._claims(body.refresh_token)
        sessions = LoginSessionRepository(ctx.unit_of_work)
        next_jti = uuid.uuid4()
        if await sessions.rotate(claims.sid, claims.sub, claims.jti, next_jti):
            return self._pair(claims.sub, claims.sid, next_jti)
        stored = await sessions.get(claims.sid)
        if (
            stored is None
            or stored.revoked_at is not None
            or stored.user_id != claims.sub
            or stored.refresh_jti == claims.jti  # current token, but the user is inactive
        ):
            raise NotAuthenticated(INVALID_REFRESH, code="invalid_refresh_token")
        # An older token of a live session came back: assume it was stolen and end the session.
        # RefreshTokenReused `commits`, so the unit of work keeps the revocation despite the 401.
        await sessions.end(claims.sid, user_id=claims.sub)
        raise RefreshTokenReused(
            "The refresh token was already used; this session has been revoked."
        )

    async def logout(self, ctx: RequestContext, *, body: LogoutRequest) -> None:
        """Ends the session while this is its current refresh token; a rotated or unknown token
        ends nothing (and still answers 204: signing out twice is not an error)."""
        claims = self._claims(body.refresh_token)
        await LoginSessionRepository(ctx.unit_of_work).end(
            claims.sid, user_id=claims.sub, refresh_jti=claims.jti
        )
