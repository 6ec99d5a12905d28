"""limit_rate(operation): which limits a request counts against, from the operation's x-rate-limit.

- `credentials` (login, refresh): per client IP, then per account (the email sent to login, or the
  user a refresh token names), so one IP cannot try many accounts nor many IPs one account.
- `standard`: per signed-in user (the verified access token's subject), else per client IP.
- `reauthentication` (the password change): `standard`, and a request that sends the caller's
  password (`current_password`) is also a sign-in attempt: it counts against the `credentials`
  limits of the client IP and of the caller's account (their email, as a sign-in counts it), so
  a stolen access token cannot guess the password faster than a sign-in could.
- `exempt`: never counted (health checks).

The tightest quota is left in the request's Exchange (`rate_limit`, app.domain.exchange) for
app.edge.middleware to send as RateLimit-* headers; a request over any limit gets 429
`rate_limited` with Retry-After, and the limit's scope (`rate_limited_by`, e.g.
`credentials-ip`) is left there for app.observability.telemetry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, cast

from fastapi import Request
from limits import RateLimitItem

from app.access.dependencies import Bearer
from app.access.rate_limits import Quota, RateLimiter, account_key
from app.access.tokens import InvalidTokenError, TokenClaims, TokenService
from app.domain.errors import RateLimited
from app.domain.exchange import exchange_of
from app.domain.operation_spec import OperationSpec
from app.domain.principal import Principal
from app.domain.validators import request_email

Check = tuple[tuple[RateLimitItem, ...], tuple[str, ...]]
CONFIRMATION_FIELD = "current_password"
"""The body property of a `reauthentication` operation that confirms the caller's password."""


def client_ip(request: Request) -> str:
    """The client address (the socket peer, or what a trusted proxy forwarded)."""
    return request.client.host if request.client else "unknown"


def refresh_token_subject(tokens: TokenService, token: str) -> str | None:
    """The user id a valid refresh token names, or None."""
    try:
        return str(tokens.decode(token, expected_type="refresh").sub)
    except InvalidTokenError:
        return None


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object sent, read before validation (which rejects bad bodies later)."""
    try:
        body: Any = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def sign_in_account(email: str) -> str:
    """The account counter of a sign-in with this email, as sent: that of the account the
    handler will look up (the canonical address), so every spelling of it is one budget. An
    address validation refuses is never looked up; its attempts still count, by spelling."""
    return account_key(request_email(email) or email)


async def credential_checks(request: Request, limiter: RateLimiter) -> list[Check]:
    """Sign-in attempts: per client IP, then per account when the request names one."""
    rules = limiter.rules
    checks: list[Check] = [(rules.credentials_per_ip, ("credentials-ip", client_ip(request)))]
    body = await json_body(request)
    email, refresh_token = body.get("email"), body.get("refresh_token")
    account = None
    if isinstance(email, str) and email:
        account = sign_in_account(email)
    elif isinstance(refresh_token, str):
        account = refresh_token_subject(request.app.state.tokens, refresh_token)
    if account:
        checks.append((rules.credentials_per_account, ("credentials-account", account)))
    return checks


def standard_checks(
    request: Request, limiter: RateLimiter, claims: TokenClaims | None
) -> list[Check]:
    """Calls per signed-in user, or per client IP without a valid access token."""
    if claims is not None:
        return [(limiter.rules.per_user, ("user", str(claims.sub)))]
    return [(limiter.rules.anonymous_per_ip, ("anonymous-ip", client_ip(request)))]


async def enforce(request: Request, limiter: RateLimiter, checks: Iterable[Check]) -> None:
    """Count the request against every limit in order; stop at the first one exceeded."""
    exchange = exchange_of(request.scope)
    reported = cast("Quota | None", exchange.rate_limit)  # only this module writes it
    for items, identifiers in checks:
        for item in items:
            quota = await limiter.hit(item, *identifiers)
            if quota is None:
                continue
            if not quota.allowed:
                quota = replace(quota, reset_after=max(1, quota.reset_after))
                exchange.rate_limit = quota
                exchange.rate_limited_by = identifiers[0]
                raise RateLimited(quota.limit, item.get_expiry(), quota.reset_after)
            if quota.tighter_than(reported):
                reported = quota
    exchange.rate_limit = reported


async def limit_rate(operation: OperationSpec, request: Request, bearer: Bearer) -> None:
    """Apply the operation's rate-limit policy to the request."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if operation.rate_limit == "exempt" or not limiter.enabled:
        return
    if operation.rate_limit == "credentials":
        checks = await credential_checks(request, limiter)
    else:
        checks = standard_checks(request, limiter, bearer.claims())
    await enforce(request, limiter, checks)


async def limit_reauthentication(
    operation: OperationSpec, request: Request, caller: Principal
) -> None:
    """A `reauthentication` request that confirms the caller's password counts as a sign-in
    attempt of the client IP and the caller's account; run once the caller is known."""
    limiter: RateLimiter = request.app.state.rate_limiter
    if operation.rate_limit != "reauthentication" or not limiter.enabled:
        return
    if not isinstance((await json_body(request)).get(CONFIRMATION_FIELD), str):
        return
    rules = limiter.rules
    checks: list[Check] = [
        (rules.credentials_per_ip, ("credentials-ip", client_ip(request))),
        (rules.credentials_per_account, ("credentials-account", account_key(caller.email))),
    ]
    await enforce(request, limiter, checks)
