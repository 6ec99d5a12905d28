"""authorize(operation): authenticate the caller and apply the operation's x-permission.

The single place where access is decided: bearer token -> active user (read from the database
on every request, so role changes apply at once) -> organization role for {org_id} routes ->
rbac.holds(). A non-member of an organization gets 404, a member without the permission 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from app.context import Principal, RequestContext
from app.dependencies import AccessClaimsDep, BearerDep, SessionDep
from app.errors import NotAuthenticated, NotFound, NotPermitted
from app.operation_spec import OperationSpec
from app.rbac import Permission, Role, holds
from app.repositories.memberships import MembershipRepository
from app.repositories.organizations import OrganizationRepository
from app.repositories.users import UserRepository
from app.request_state import request_id_of
from app.tokens import TokenClaims


def _path_uuid(request: Request, name: str) -> uuid.UUID | None:
    """A UUID path parameter, or None when malformed (validation then answers 422)."""
    try:
        return uuid.UUID(str(request.path_params.get(name)))
    except ValueError:
        return None


async def authenticate(
    ctx: RequestContext,
    credentials: HTTPAuthorizationCredentials | None,
    claims: TokenClaims | None,
) -> Principal:
    """The active user the access token names; 401 otherwise."""
    if credentials is None:
        raise NotAuthenticated("A bearer access token is required.")
    if claims is None:
        raise NotAuthenticated("The access token is invalid or expired.")
    user = await UserRepository(ctx.session).get(claims.sub)
    if user is None or not user.is_active:
        raise NotAuthenticated("The access token's user no longer exists or is inactive.")
    return Principal(user_id=user.id, email=user.email, is_superadmin=user.is_superadmin)


async def organization_role(
    ctx: RequestContext, principal: Principal, org_id: uuid.UUID
) -> Role | None:
    """The caller's role in the organization; 404 when it is not visible to the caller."""
    role = await MembershipRepository(ctx.session).role_of(org_id, principal.user_id)
    if role is None and not (
        principal.is_superadmin and await OrganizationRepository(ctx.session).get(org_id)
    ):
        raise NotFound("No such organization.", code="organization_not_found")
    return role


def authorize(operation: OperationSpec) -> Callable[..., Awaitable[RequestContext]]:
    """The dependency that guards one operation."""
    permission = Permission(operation.permission) if operation.permission else None

    async def dependency(
        request: Request, session: SessionDep, credentials: BearerDep, claims: AccessClaimsDep
    ) -> RequestContext:
        ctx = RequestContext(session=session, request_id=request_id_of(request))
        if operation.public or permission is None:
            return ctx
        principal = await authenticate(ctx, credentials, claims)
        ctx.principal = principal
        if operation.organization_scoped:
            org_id = _path_uuid(request, "org_id")
            if org_id is None:
                return ctx  # the route's own validation rejects the malformed id with 422
            ctx.role = await organization_role(ctx, principal, org_id)
        if holds(permission, is_superadmin=principal.is_superadmin, role=ctx.role):
            return ctx
        if operation.allow_self and _path_uuid(request, operation.allow_self) == principal.user_id:
            return ctx
        raise NotPermitted(
            f"Your role does not grant {permission.value}.", code="permission_denied"
        )

    dependency.__name__ = f"authorize_{operation.operation_id}"
    return dependency
