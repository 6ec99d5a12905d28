"""Conditional requests of x-resource operations: ETag on every answer that carries the resource,
If-None-Match on GET (304 without a body), If-Match on PATCH and DELETE (412, nothing changed;
428 `precondition_required` without it where the operation declares `x-if-match: required`).

The guard (app.contract.authorization) parses the headers once (`read_preconditions`) after the
rate limit and before authentication, and hands If-Match to the request's version ledger
(app.data.versions), where the repository compares it with the row it locked for the change.
After the handler, the route (app.contract.runtime) calls `conclude`: the response gets the
ETag of the resource's version the repositories saw, and a GET whose If-None-Match names it
becomes 304. Authorization ran before the handler, so a caller who may not see the resource got
404 whatever the conditional headers said.
"""

from __future__ import annotations

from fastapi import Request, Response

from app.data.unit_of_work import UnitOfWork
from app.domain.errors import PreconditionRequired
from app.domain.etags import EntityTags
from app.domain.operation_spec import OperationSpec

NOT_MODIFIED_HEADERS = ("etag", "cache-control", "vary", "content-location", "expires")
"""What a 304 keeps of the 200 it replaces (RFC 9110, 15.4.5)."""


def read_preconditions(
    request: Request, operation: OperationSpec, unit_of_work: UnitOfWork
) -> EntityTags | None:
    """The If-None-Match of a GET (returned, compared after the handler), or the If-Match of a
    write (given to the unit of work's ledger), of an operation that declares x-resource."""
    if operation.resource is None:
        return None
    headers = request.headers
    ledger = unit_of_work.versions
    ledger.resource = operation.resource
    if operation.method == "GET":
        value = headers.get("if-none-match")
        return EntityTags.parse(value) if value is not None else None
    value = headers.get("if-match")
    if value is not None:
        ledger.if_match = EntityTags.parse(value)
    return None


def require_if_match(request: Request, operation: OperationSpec) -> None:
    """PreconditionRequired (428) for a write whose operation declares `x-if-match: required`
    and came without If-Match; called after authorization, so a caller who may not see or
    change the resource gets its 401, 403 or 404 first."""
    if operation.if_match_required and "if-match" not in request.headers:
        raise PreconditionRequired()


def conclude(
    operation: OperationSpec,
    unit_of_work: UnitOfWork,
    if_none_match: EntityTags | None,
    response: Response,
) -> Response:
    """Set the ETag of a response carrying the resource, and answer 304 for a matching
    If-None-Match. Raises when the handler's repositories saw no version of the resource, or a
    write with If-Match never compared it: a repository that skips the ledger is a bug."""
    ledger = unit_of_work.versions
    if ledger.if_match is not None and not ledger.checked and response.status_code < 300:
        raise RuntimeError(f"{operation.operation_id}: If-Match was never compared")
    if operation.resource is None or response.status_code == 204:
        return response
    tag = ledger.tag_of(operation.resource)
    if tag is None:
        raise RuntimeError(f"{operation.operation_id}: no version of the {operation.resource} seen")
    if any(name == b"etag" for name, _ in response.raw_headers):
        response.headers["ETag"] = tag
    else:  # as the line above would add it, without building the response's MutableHeaders
        response.raw_headers.append((b"etag", tag.encode("latin-1")))
    if if_none_match is not None and if_none_match.match_weak(tag):
        kept = {k: v for k, v in response.headers.items() if k in NOT_MODIFIED_HEADERS}
        return Response(status_code=304, headers=kept)
    return response
