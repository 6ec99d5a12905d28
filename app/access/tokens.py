"""JSON Web Tokens (python-jose): typed access and refresh tokens with every claim checked."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Literal

from jose import JWTError, jwt

from app.config.settings import Settings
from app.data.database import utcnow

TokenType = Literal["access", "refresh"]
REQUIRED_CLAIMS = ("sub", "type", "iat", "nbf", "exp", "iss", "aud", "jti", "sid")


class InvalidTokenError(Exception):
    """The token is malformed, forged, expired, of the wrong type or otherwise unacceptable."""


@dataclass(frozen=True)
class IssuedToken:
    """An encoded token with what the issuer needs to remember about it."""

    token: str
    jti: uuid.UUID
    expires_at: dt.datetime
    expires_in: int


@dataclass(frozen=True)
class TokenClaims:
    """The verified claims of a token."""

    sub: uuid.UUID
    jti: uuid.UUID
    type: TokenType
    sid: uuid.UUID
    """The login session (app.data.models.LoginSession) the token belongs to."""
    exp: dt.datetime
    nbf: int = 0
    """Not before (seconds since the epoch)."""


VERIFIED_TOKENS_KEPT = 4096
"""How many verified tokens a TokenService remembers (a few MB at most)."""


class TokenService:
    """Issues and verifies tokens with the configured key, algorithm, issuer and audience."""

    def __init__(self, settings: Settings) -> None:
        self.key = settings.secret_key
        self.algorithm = settings.JWT_ALGORITHM
        self.issuer = settings.JWT_ISSUER
        self.audience = settings.JWT_AUDIENCE
        self.lifetimes: dict[TokenType, dt.timedelta] = {
            "access": dt.timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
            "refresh": dt.timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS),
        }
        self._verified: dict[str, TokenClaims] = {}
        """Tokens whose signature and claims were verified, by their exact text (signature
        included), so a token sent again skips the signature check; its time window and type
        are checked on every use."""

    def _issue(
        self, user_id: uuid.UUID, token_type: TokenType, session_id: uuid.UUID, jti: uuid.UUID
    ) -> IssuedToken:
        now = utcnow()
        lifetime = self.lifetimes[token_type]
        claims = {
            "sub": str(user_id),
            "type": token_type,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "iss": self.issuer,
            "aud": self.audience,
            "jti": str(jti),
            "sid": str(session_id),
        }
        token = jwt.encode(claims, self.key, algorithm=self.algorithm)
        return IssuedToken(token, jti, now + lifetime, int(lifetime.total_seconds()))

    def issue_access(self, user_id: uuid.UUID, session_id: uuid.UUID) -> IssuedToken:
        """A short-lived access token of a login session."""
        return self._issue(user_id, "access", session_id, uuid.uuid4())

    def issue_refresh(
        self, user_id: uuid.UUID, session_id: uuid.UUID, jti: uuid.UUID | None = None
    ) -> IssuedToken:
        """A refresh token of a login session (jti: the one the session will accept next)."""
        return self._issue(user_id, "refresh", session_id, jti or uuid.uuid4())

    def decode(self, token: str, expected_type: TokenType) -> TokenClaims:
        """The verified claims; InvalidTokenError for anything unacceptable."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = claims
        now = int(time.time())
        if now > claims.exp.timestamp():
            del self._verified[token]
            raise InvalidTokenError("Signature has expired.")
        if claims.nbf > now:
            raise InvalidTokenError("The token is not yet valid (nbf)")
        if claims.type != expected_type:
            raise InvalidTokenError(f"expected a {expected_type} token")
        return claims

    def _verify(self, token: str) -> TokenClaims:
        """Check the signature and every claim of a token of either type."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != self.algorithm:
                raise InvalidTokenError("unexpected algorithm")
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_" + claim: True
                    for claim in ("iat", "nbf", "exp", "iss", "aud", "jti", "sub")
                },
            )
            missing = [claim for claim in REQUIRED_CLAIMS if claim not in claims]
            if missing:
                raise InvalidTokenError(f"missing claims: {', '.join(missing)}")
            if claims["type"] not in ("access", "refresh"):
                raise InvalidTokenError("unknown token type")
            return TokenClaims(
                sub=uuid.UUID(claims["sub"]),
                jti=uuid.UUID(claims["jti"]),
                type=claims["type"],
                sid=uuid.UUID(claims["sid"]),
                exp=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
                nbf=int(claims["nbf"]),
            )
        except InvalidTokenError:
            raise
        except (JWTError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InvalidTokenError(str(exc) or type(exc).__name__) from exc
