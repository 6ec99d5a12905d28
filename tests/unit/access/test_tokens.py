"""Tokens: every claim is checked and nothing forged, expired or mistyped gets through."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from jose import jwt

from app.access.tokens import InvalidTokenError, TokenService
from app.config.settings import Settings

SETTINGS = Settings(APP_ENV="test", SECRET_KEY="k" * 40)


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SETTINGS)


def _claims(**overrides: object) -> dict[str, object]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims: dict[str, object] = {
        "sub": str(uuid.uuid4()),
        "type": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "iss": SETTINGS.JWT_ISSUER,
        "aud": SETTINGS.JWT_AUDIENCE,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def test_round_trip(tokens: TokenService) -> None:
    user_id, session_id, jti = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    access = tokens.issue_access(user_id, session_id)
    refresh = tokens.issue_refresh(user_id, session_id, jti)
    access_claims = tokens.decode(access.token, expected_type="access")
    assert (access_claims.sub, access_claims.sid) == (user_id, session_id)
    claims = tokens.decode(refresh.token, expected_type="refresh")
    assert (claims.sub, claims.sid, claims.jti) == (user_id, session_id, jti)
    assert access.expires_in == SETTINGS.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert claims.exp == refresh.expires_at.replace(microsecond=0)


def test_types_are_not_interchangeable(tokens: TokenService) -> None:
    user_id = uuid.uuid4()
    with pytest.raises(InvalidTokenError):
        tokens.decode(tokens.issue_access(user_id, uuid.uuid4()).token, expected_type="refresh")
    with pytest.raises(InvalidTokenError):
        tokens.decode(tokens.issue_refresh(user_id, uuid.uuid4()).token, expected_type="access")


@pytest.mark.parametrize(
    "claims",
    [
        _claims(exp=1),
        _claims(aud="someone-else"),
        _claims(iss="someone-else"),
        _claims(jti=None),
        _claims(sub=None),
        _claims(nbf=None),
        _claims(nbf=int(dt.datetime.now(dt.UTC).timestamp()) + 3600),
        _claims(sub="not-a-uuid"),
        _claims(sid=None),
        _claims(sid="not-a-uuid"),
        _claims(type="refresh"),
    ],
)
def test_bad_claims_are_refused(tokens: TokenService, claims: dict[str, object]) -> None:
    token = jwt.encode(claims, SETTINGS.secret_key, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        tokens.decode(token, expected_type="access")


def test_forged_and_unsigned_tokens_are_refused(tokens: TokenService) -> None:
    forged = jwt.encode(_claims(), "another-key-of-sufficient-length!!", algorithm="HS256")
    other_alg = jwt.encode(_claims(), SETTINGS.secret_key, algorithm="HS512")
    header, payload, _ = tokens.issue_access(uuid.uuid4(), uuid.uuid4()).token.split(".")
    unsigned = f"{header}.{payload}."
    for token in (forged, other_alg, unsigned, "garbage", ""):
        with pytest.raises(InvalidTokenError):
            tokens.decode(token, expected_type="access")


def test_alg_none_is_refused(tokens: TokenService) -> None:
    import base64
    import json

    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(_claims())}."
    with pytest.raises(InvalidTokenError):
        tokens.decode(token, expected_type="access")


def test_a_verified_token_is_still_refused_once_expired(
    tokens: TokenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = jwt.encode(_claims(), SETTINGS.secret_key, algorithm="HS256")
    claims = tokens.decode(token, expected_type="access")  # verified, and remembered
    later = claims.exp.timestamp() + 1
    monkeypatch.setattr("app.access.tokens.time.time", lambda: later)
    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.decode(token, expected_type="access")
    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.decode(token, expected_type="access")  # and not by a second look either


def test_a_remembered_token_keeps_its_type(tokens: TokenService) -> None:
    access = tokens.issue_access(uuid.uuid4(), uuid.uuid4()).token
    tokens.decode(access, expected_type="access")
    with pytest.raises(InvalidTokenError):
        tokens.decode(access, expected_type="refresh")


def test_remembered_tokens_are_bounded(
    tokens: TokenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.access.tokens.VERIFIED_TOKENS_KEPT", 3)
    issued = [tokens.issue_access(uuid.uuid4(), uuid.uuid4()).token for _ in range(5)]
    for token in issued:
        tokens.decode(token, expected_type="access")
    assert list(tokens._verified) == issued[2:]
    assert tokens.decode(issued[0], expected_type="access").type == "access"
