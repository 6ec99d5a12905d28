"""Authentication: login, refreshToken (rotating, with reuse detection) and logout."""

from __future__ import annotations

import uuid

from app.api_runtime import RequestContext
from app.errors import NotAuthenticated
from app.passwords import verify_or_dummy
from app.repositories.refresh_tokens import RefreshTokenRepository
from app.repositories.users import UserRepository
from app.tokens import InvalidTokenError, TokenClaims, TokenService
from generated.models import LoginRequest, LogoutRequest, RefreshRequest, TokenPair, TokenType

INVALID_REFRESH = "The refresh token is invalid, expired or revoked."


class AuthHandlers:
    """Implements generated.protocols.AuthOperations."""

    def __init__(self, tokens: TokenService) -> None:
        self.tokens = tokens

    async def _issue(
        self, ctx: RequestContext, user_id: uuid.UUID, family_id: uuid.UUID
    ) -> TokenPair:
        """A new access token and a new refresh token of the given family."""
        access = self.tokens.issue_access(user_id)
        refresh = self.tokens.issue_refresh(user_id, family_id)
        await RefreshTokenRepository(ctx.session).add(
            jti=refresh.jti, family_id=family_id, user_id=user_id, expires_at=refresh.expires_at
        )
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
        user = await UserRepository(ctx.session).get_by_email(body.email)
        # Unknown emails are checked against a dummy hash, so both failures take as long.
        valid = await verify_or_dummy(body.password, user.password_hash if user else None)
        if user is None or not valid or not user.is_active:
            raise NotAuthenticated("Incorrect email or password.", code="invalid_credentials")
        return await self._issue(ctx, user.id, uuid.uuid4())

    async def refresh_token(self, ctx: RequestContext, *, body: RefreshRequest) -> TokenPair:
        claims = self._claims(body.refresh_token)
        repository = RefreshTokenRepository(ctx.session)
        stored = await repository.get(claims.jti)
        if stored is None or stored.revoked_at is not None or stored.user_id != claims.sub:
            raise NotAuthenticated(INVALID_REFRESH, code="invalid_refresh_token")
        if stored.used_at is not None:
            # A rotated token came back: assume it was stolen and end the whole family. The
            # revocation must survive the 401, so it is committed here rather than by the route.
            await repository.revoke_family(stored.family_id)
            await ctx.commit()
            raise NotAuthenticated(
                "The refresh token was already used; this session has been revoked.",
                code="refresh_token_reused",
            )
        user = await UserRepository(ctx.session).get(claims.sub)
        if user is None or not user.is_active:
            raise NotAuthenticated(INVALID_REFRESH, code="invalid_refresh_token")
        await repository.mark_used(stored)
        return await self._issue(ctx, user.id, stored.family_id)

    async def logout(self, ctx: RequestContext, *, body: LogoutRequest) -> None:
        claims = self._claims(body.refresh_token)
        repository = RefreshTokenRepository(ctx.session)
        stored = await repository.get(claims.jti)
        if stored is None or stored.user_id != claims.sub:
            raise NotAuthenticated(INVALID_REFRESH, code="invalid_refresh_token")
        await repository.revoke_family(stored.family_id)
