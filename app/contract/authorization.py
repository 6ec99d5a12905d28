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
from app.contract.context import ADMISSION_KEY, Admission, RequestContext
from app.contract.idempotency import Idempotency, read_key
from app.contract.preconditions import read_preconditions, require_if_match
from app.contract.query_parameters import reject_unknown_query
from app.data.repositories.login_sessions import LoginSessionRepository
from app.data.unit_of_work import UnitOfWork
from app.domain.errors import NotAuthenticated, NotFound, NotPermitted
from app.domain.exchange import Exchange, exchange_of
from app.domain.operation_spec import OperationSpec
from app.domain.principal import Principal
from app.domain.rbac import Permission, holds

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


async def admit(
    ctx: RequestContext,
    request: Request,
    operation: OperationSpec,
    bearer: Bearer,
    exchange: Exchange,
) -> None:
    """Authenticate the caller and check the operation's permission; raises when refused."""
    if operation.permission is None:
        raise NotPermitted(
            "This operation declares no permission, so nobody may call it.",
            code="permission_undeclared",
        )
    permission = Permission(operation.permission)
    if not bearer.sent:
        raise NotAuthenticated("A bearer access token is required.")
    claims = bearer.claims()
    if claims is None:
        raise NotAuthenticated("The access token is invalid or expired.")
    admission = ctx.admission
    org_id = path_uuid(request, "org_id") if operation.organization_scoped else None
    caller = await LoginSessionRepository(ctx.unit_of_work).caller(claims.sid, claims.sub, org_id)
    if caller is None:
        raise NotAuthenticated(
            "The access token's session has ended, or its user no longer exists or is inactive."
        )
    admission.principal = Principal(caller.user_id, caller.email, caller.is_superadmin, claims.sid)
    admission.org_id = org_id
    admission.role = caller.role
    exchange.user_id = caller.user_id  # for the request log line (app.observability.telemetry)
    if operation.organization_scoped and org_id is None:
        return  # the route's own validation rejects the malformed id with 422
    if org_id is not None and caller.role is None and not caller.organization_exists:
        raise NotFound("No such organization.", code="organization_not_found")
    if holds(permission, is_superadmin=caller.is_superadmin, role=caller.role):
        return
    if operation.allow_self and path_uuid(request, operation.allow_self) == caller.user_id:
        return
    raise NotPermitted(f"Your role does not grant {permission.value}.", code="permission_denied")


def authorize(operation: OperationSpec) -> Callable[[Request], Awaitable[RequestContext]]:
    """The dependency that guards one operation and opens its unit of work: the rate limit and
    the unknown-query check first (as before any other work), the preconditions parsed (a
    malformed Idempotency-Key: 400), then authentication and the permission check, then
    (password confirmations only) the caller's sign-in budget, then a required If-Match (428),
    and last the Idempotency-Key
    claimed (app.contract.idempotency), right before the handler. What it
    admitted goes to the handler in the RequestContext's Admission; the unit of work it opens
    goes in the request's Exchange (app.domain.exchange), where the route
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
        if not operation.public:
            await admit(ctx, request, operation, bearer, exchange)
            if not counted:
                await limit_reauthentication(operation, request, ctx.user)
        require_if_match(request, operation)
        if key is not None:
            admission.idempotency = await Idempotency.claim(
                request, operation, unit_of_work, ctx.user.user_id, key
            )
        return ctx

    dependency.__name__ = f"authorize_{operation.operation_id}"
    return dependency


async def finish_unit_of_work(request: Request, error: BaseException | None) -> None:
    """Commit or roll back the request's unit of work, if authorize() opened one."""
    unit_of_work = exchange_of(request.scope).unit_of_work
    if unit_of_work is not None:
        await unit_of_work.finish(error)
