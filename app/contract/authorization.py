"""authorize(operation): the one dependency of every route: the rate limit, the unknown-query
check, the unit of work of the request, its caller and the x-permission check.

The single place where access is decided: bearer token -> one query reading the active user of a
live login session and their role in the {org_id} organization (on every request, so role changes
and ended sessions apply at once) -> rbac.holds(). A non-member of an organization gets 404, a
member without the permission 403. It fails closed: an operation that is neither public nor declares
a permission is refused to everyone (and app.contract.binding refuses to start with one)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from app.access.dependencies import Bearer, database_of
from app.access.rate_limit_policy import limit_rate, limit_reauthentication
from app.access.tokens import TokenClaims
from app.contract.context import ADMISSION_KEY, Admission, RequestContext
from app.contract.idempotency import Idempotency, read_key
from app.contract.preconditions import read_preconditions, require_if_match
from app.contract.query_parameters import reject_unknown_query
from app.data.guarded import SELF_PARAMETER, CallerCheck, grant_of
from app.data.reading import Row
from app.data.repositories.idempotency_keys import Claim, Record
from app.data.repositories.login_sessions import (
    CALLER_CHECK,
    Caller,
    LoginSessionRepository,
    caller_of,
)
from app.data.unit_of_work import UnitOfWork
from app.domain.errors import NotAuthenticated, NotFound, NotPermitted
from app.domain.exchange import exchange_of
from app.domain.operation_spec import OperationSpec
from app.domain.principal import Principal
from app.domain.rbac import PERMISSION_NAMED, Permission, holds

READ_ONLY_METHODS = frozenset({"GET"})
UUID_ADAPTER: TypeAdapter[uuid.UUID] = TypeAdapter(uuid.UUID)
"""The validator of the routes' `UUID` path parameters: the guard accepts exactly what they do."""


def path_uuid(request: Request, name: str) -> uuid.UUID | None:
    """A UUID path parameter, parsed once: the parsed value replaces the text in the request's
    path parameters, so the route's own validation receives the UUID and does not parse it
    again. None when malformed: the text stays, and the route's validation answers 422 with
    every other invalid field."""
    path_params = request.scope["path_params"]
    value = path_params.get(name)
    if isinstance(value, uuid.UUID):  # a retried attempt, or the other parameter of the two
        return value
    try:
        parsed = UUID_ADAPTER.validate_python(value)
    except ValidationError:
        return None
    path_params[name] = parsed
    return parsed


def _claims(operation: OperationSpec, bearer: Bearer) -> tuple[Permission, TokenClaims]:
    """The operation's permission and the access token's verified claims; raises when the
    operation declares none or the token is missing or invalid (no database needed)."""
    if operation.permission is None:
        raise NotPermitted(
            "This operation declares no permission, so nobody may call it.",
            code="permission_undeclared",
        )
    permission = PERMISSION_NAMED[operation.permission]
    if not bearer.sent:
        raise NotAuthenticated("A bearer access token is required.")
    claims = bearer.claims()
    if claims is None:
        raise NotAuthenticated("The access token is invalid or expired.")
    return permission, claims


def decide(
    ctx: RequestContext,
    request: Request,
    operation: OperationSpec,
    permission: Permission,
    org_id: uuid.UUID | None,
    caller: Caller | None,
) -> None:
    """The one decision on a caller the database described: admitted into ctx's Admission,
    or refused (401 without a live session, 404 for a non-member before 403 for a member
    without the permission)."""
    if caller is None:
        raise NotAuthenticated(
            "The access token's session has ended, or its user no longer exists or is inactive."
        )
    admission = ctx.admission
    if admission.session_id is None:  # pragma: no cover - set before any caller is read
        raise RuntimeError("decide() before the token's session is known")
    admission.principal = Principal(
        caller.user_id, caller.email, caller.is_superadmin, admission.session_id
    )
    admission.org_id = org_id
    admission.role = caller.role
    exchange_of(request.scope).user_id = caller.user_id  # for the request log line
    if operation.organization_scoped and org_id is None:
        return  # the route's own validation rejects the malformed id with 422
    if org_id is not None and caller.role is None and not caller.organization_exists:
        raise NotFound("No such organization.", code="organization_not_found")
    if holds(permission, is_superadmin=caller.is_superadmin, role=caller.role):
        return
    if operation.allow_self and path_uuid(request, operation.allow_self) == caller.user_id:
        return
    raise NotPermitted(f"Your role does not grant {permission.value}.", code="permission_denied")


async def admit(
    ctx: RequestContext,
    request: Request,
    operation: OperationSpec,
    bearer: Bearer,
    key: str | None = None,
) -> tuple[Idempotency, tuple[Claim, Record | None] | None] | None:
    """Authenticate the caller and check the operation's permission now; raises when refused.
    With an Idempotency-Key, the caller check carries the key's claim (PostgreSQL: one
    statement) and the claim comes back, to be settled once the caller is admitted
    (`Idempotency.claim`)."""
    permission, claims = _claims(operation, bearer)
    ctx.admission.session_id = claims.sid
    org_id = path_uuid(request, "org_id") if operation.organization_scoped else None
    sessions = LoginSessionRepository(ctx.unit_of_work)
    claim = None if key is None else await Idempotency.of(request, operation, claims.sub, key)
    if claim is None:
        caller, found = await sessions.caller(claims.sid, claims.sub, org_id), None
    else:
        caller, found = await sessions.caller_claiming(
            claims.sid, claims.sub, org_id, claim.values()
        )
    decide(ctx, request, operation, permission, org_id, caller)
    return None if claim is None else (claim, found)


def defer_admission(
    ctx: RequestContext, request: Request, operation: OperationSpec, bearer: Bearer
) -> bool:
    """Step 4 for a read (docs/request-runtime.md): the token is checked now, the caller query
    is left pending on the unit of work for the handler's first statement to carry
    (app.data.guarded), and `decide` runs on the row it yields. False, having left nothing,
    when a path id is malformed: then `admit` checks now, and validation answers 422."""
    permission, claims = _claims(operation, bearer)
    org_id = path_uuid(request, "org_id") if operation.organization_scoped else None
    own_id = path_uuid(request, operation.allow_self) if operation.allow_self else None
    if (operation.organization_scoped and org_id is None) or (operation.allow_self and not own_id):
        return False
    ctx.admission.session_id = claims.sid
    params = {
        "caller_session_id": claims.sid,
        "caller_user_id": claims.sub,
        "caller_org_id": org_id,
    }
    if own_id is not None:
        params[SELF_PARAMETER] = own_id

    def decide_on(row: Row | None) -> None:
        decide(ctx, request, operation, permission, org_id, caller_of(row))

    grant = grant_of(permission, allow_self=own_id is not None)
    ctx.unit_of_work.pending = CallerCheck(CALLER_CHECK, params, grant, decide_on)
    return True


def authorize(operation: OperationSpec) -> Callable[[Request], Awaitable[RequestContext]]:
    """The dependency that guards one operation and opens its unit of work: the rate limit and
    the unknown-query check first (as before any other work), the preconditions parsed (a
    malformed Idempotency-Key: 400), then authentication and the permission check, then
    (password confirmations only) the caller's sign-in budget, then a required If-Match (428),
    and last the Idempotency-Key claimed (app.contract.idempotency), right before the handler:
    on PostgreSQL the claim was sent with the caller check (one round trip) and is only settled
    here, after every refusal, so a refused request's claim rolls back with its transaction,
    never answered or recorded. What it admitted goes to the handler in the RequestContext's
    Admission; the unit of work it opens goes in the request's Exchange (app.domain.exchange),
    where the route
    (app.contract.runtime.UnitOfWorkRoute) finishes it once the handler's response is serialized;
    a retry of the request (after a deadlock) authorizes again but is not counted again.
    """
    read_only = operation.method in READ_ONLY_METHODS

    async def dependency(request: Request) -> RequestContext:
        exchange = exchange_of(request.scope)
        bearer = Bearer(request)
        counted = exchange.unit_of_work is not None  # a retry's rerun
        if not counted:
            await limit_rate(operation, request, bearer)
        reject_unknown_query(operation, request)
        key = read_key(request, operation)
        unit_of_work = UnitOfWork(database_of(request), read_only=read_only)
        exchange.unit_of_work = unit_of_work
        admission = Admission(if_none_match=read_preconditions(request, operation, unit_of_work))
        request.scope[ADMISSION_KEY] = admission
        ctx = RequestContext(unit_of_work, exchange.request_id, admission)
        pending = None
        if not operation.public:
            if read_only and defer_admission(ctx, request, operation, bearer):
                return ctx  # reads never confirm a password (x-rate-limit reauthentication)
            pending = await admit(ctx, request, operation, bearer, key)
            if not counted:
                await limit_reauthentication(operation, request, ctx.user)
        require_if_match(request, operation)
        if key is not None:
            if pending is None:
                pending = (await Idempotency.of(request, operation, ctx.user.user_id, key), None)
            claim, found = pending
            admission.idempotency = await claim.claim(unit_of_work, found)
        return ctx

    dependency.__name__ = f"authorize_{operation.operation_id}"
    return dependency


async def check_caller(request: Request) -> None:
    """Run the request's caller check if it is still pending (the handler read nothing, or
    failed before its first read): no answer of a read leaves before the caller is decided."""
    unit_of_work = exchange_of(request.scope).unit_of_work
    if isinstance(unit_of_work, UnitOfWork) and unit_of_work.pending is not None:
        await unit_of_work.check_caller()


async def finish_unit_of_work(request: Request, error: BaseException | None) -> None:
    """Commit or roll back the request's unit of work, if authorize() opened one."""
    unit_of_work = exchange_of(request.scope).unit_of_work
    if unit_of_work is not None:
        await unit_of_work.finish(error)
