"""The handler contract: start-up fails, naming the operationId, when a handler disagrees."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from fastapi import APIRouter

from app.contract.binding import (
    HandlerContractError,
    bind_routes,
    check_implementation,
    function_name,
    undeclared_retries,
)
from app.contract.context import RequestContext
from app.domain.pagination import Page
from generated.v2.models import Site, SiteCreate
from generated.v2.operations import OPERATIONS
from generated.v2.protocols import SitesOperations
from handlers.sites import SiteHandlers


class MissingCreate(SiteHandlers):
    create_site = None  # type: ignore[assignment]


class RenamedParameter(SiteHandlers):
    async def create_site(
        self, ctx: RequestContext, *, organization_id: uuid.UUID, body: SiteCreate
    ) -> Site:  # type: ignore[override]
        raise NotImplementedError


class WrongType(SiteHandlers):
    async def create_site(self, ctx: RequestContext, *, org_id: str, body: SiteCreate) -> Site:  # type: ignore[override]
        raise NotImplementedError


class MissingFilter(SiteHandlers):
    async def list_sites(  # type: ignore[override]
        self,
        ctx: RequestContext,
        *,
        org_id: uuid.UUID,
        cursor: str | None,
        per_page: int,
        include_total: bool | None,
        q: str | None,
        sort: str,
    ) -> Page[Site]:
        raise NotImplementedError


class ReorderedKeywords(SiteHandlers):
    async def get_site(self, ctx: RequestContext, *, site_id: uuid.UUID, org_id: uuid.UUID) -> Site:  # type: ignore[override]
        raise NotImplementedError


class NotAsync(SiteHandlers):
    def get_site(self, ctx: RequestContext, *, org_id: uuid.UUID, site_id: uuid.UUID) -> Site:  # type: ignore[override]
        raise NotImplementedError


def test_function_names() -> None:
    assert function_name("listOrganizationMembers") == "list_organization_members"


def test_real_handlers_match() -> None:
    assert check_implementation(SitesOperations, SiteHandlers(), OPERATIONS) == []


@pytest.mark.parametrize(
    ("implementation", "message"),
    [
        (MissingCreate(), "createSite: MissingCreate has no method create_site()"),
        (RenamedParameter(), "createSite: RenamedParameter.create_site() parameters"),
        (WrongType(), "createSite: WrongType.create_site() org_id is typed"),
        (NotAsync(), "getSite: NotAsync.get_site() must be `async def`"),
    ],
)
def test_mismatches_name_the_operation(implementation: object, message: str) -> None:
    problems = check_implementation(SitesOperations, implementation, OPERATIONS)
    assert any(problem.startswith(message) for problem in problems), problems


def test_a_parameter_mismatch_lists_parameters_in_the_protocols_order() -> None:
    (problem,) = check_implementation(SitesOperations, MissingFilter(), OPERATIONS)
    assert problem == (
        "listSites: MissingFilter.list_sites() parameters (ctx, *org_id, *cursor, *per_page,"
        " *include_total, *q, *sort) should be (ctx, *org_id, *cursor, *per_page,"
        " *include_total, *q, *status, *sort) as in the spec"
    )


def test_keyword_parameters_may_come_in_any_order() -> None:
    assert check_implementation(SitesOperations, ReorderedKeywords(), OPERATIONS) == []


def test_bind_routes_refuses_missing_and_unknown_tags() -> None:
    with pytest.raises(HandlerContractError) as raised:
        bind_routes(APIRouter(), {"sites": MissingCreate(), "gadgets": object()}, OPERATIONS)
    text = str(raised.value)
    assert "tag 'users': no handler registered" in text
    assert "tag 'gadgets': not in the spec" in text
    assert "createSite" in text


def test_an_operation_without_permission_or_public_refuses_to_start() -> None:
    undeclared = dataclasses.replace(OPERATIONS["createSite"], permission=None, public=False)
    with pytest.raises(HandlerContractError) as raised:
        bind_routes(APIRouter(), {}, {**OPERATIONS, "createSite": undeclared})
    assert "createSite: declares neither x-permission nor x-public: true" in str(raised.value)


def test_the_spec_declares_retries_and_conditions_where_the_runtime_applies_them() -> None:
    assert undeclared_retries(OPERATIONS) == []


@pytest.mark.parametrize(
    ("operation_id", "change", "message"),
    [
        ("createSite", {"idempotent": False}, "x-idempotent and the Idempotency-Key parameter"),
        ("listSites", {"idempotent": True}, "x-idempotent and the Idempotency-Key parameter"),
        (
            "updateSite",
            {"idempotent": True, "headers": frozenset({"Idempotency-Key", "If-Match"})},
            "x-idempotent applies to POST operations only",
        ),
        ("createSite", {"statuses": frozenset({201, 400})}, "needs 400, 409 and 422"),
        ("updateSite", {"resource": None}, "If-Match is declared exactly on x-resource"),
        ("getSite", {"headers": frozenset()}, "If-None-Match is declared exactly"),
        ("listSites", {"headers": frozenset({"If-None-Match"})}, "If-None-Match is declared"),
        ("deleteSite", {"statuses": frozenset({204, 404})}, "x-resource DELETE needs 412"),
        ("getSite", {"statuses": frozenset({200})}, "x-resource GET needs 304"),
        ("getSite", {"success_headers": frozenset()}, "declares ETag exactly when x-resource"),
        ("listSites", {"success_headers": frozenset({"ETag"})}, "declares ETag exactly when"),
    ],
)
def test_retries_and_conditions_disagreeing_with_the_spec_refuse_to_start(
    operation_id: str, change: dict[str, object], message: str
) -> None:
    broken = dataclasses.replace(OPERATIONS[operation_id], **change)  # type: ignore[arg-type]
    with pytest.raises(HandlerContractError) as raised:
        bind_routes(APIRouter(), {}, {**OPERATIONS, operation_id: broken})
    assert f"{operation_id}: " in str(raised.value)
    assert message in str(raised.value)
