"""One round trip per authenticated read (issue 21): the caller's session and role and the
resource (or the page and its total) in one statement, on SQLite and PostgreSQL alike, with
every refusal decided from that same statement and no refused caller's data in its rows.

Statements are counted as the CLIENT spans the traced app records for each one (SQLAlchemy's
statements and, on PostgreSQL, the driver reader's), so the count is the database's own view.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.data import models as orm
from app.data.database import Database, utcnow
from app.data.guarded import PRESENT, grant_of, guarded
from app.data.repositories.login_sessions import CALLER_CHECK, LoginSessionRepository
from app.data.repositories.sites import SITE_ROW
from app.data.unit_of_work import UnitOfWork
from app.domain.rbac import Permission, Role
from tests.factories import add_member, auth_headers, make_org, make_site, make_user

ORG = "/api/v1/organizations/{org}"


async def statements_of(
    client: httpx.AsyncClient, exporter: InMemorySpanExporter, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, list[str]]:
    """The response to a GET and the SQL of every statement it sent (in its trace: a statement
    of the background idempotency sweeper, in a trace of its own, is not the request's)."""
    exporter.clear()
    response = await client.get(path, headers=headers)
    finished = exporter.get_finished_spans()
    (request_span,) = [span for span in finished if span.kind is SpanKind.SERVER]
    trace_id = request_span.context.trace_id  # type: ignore[union-attr]
    spans = [
        span
        for span in finished
        if span.kind is SpanKind.CLIENT and span.context.trace_id == trace_id  # type: ignore[union-attr]
    ]
    return response, [str((span.attributes or {})["db.query.text"]) for span in spans]


@pytest.fixture
async def world(traced_app: FastAPI, db: AsyncSession) -> dict[str, object]:
    """An organization with a site, its owner, a plain member, an outsider and a superadmin."""
    owner, member, outsider = await make_user(db), await make_user(db), await make_user(db)
    superadmin = await make_user(db, is_superadmin=True)
    org = await make_org(db, owner=owner)
    await add_member(db, org, member, Role.MEMBER)
    site = await make_site(db, org)
    return {
        "org": org.id,
        "site": site.id,
        "member": member.id,
        "owner": await auth_headers(traced_app, owner),
        "member_headers": await auth_headers(traced_app, member),
        "outsider": await auth_headers(traced_app, outsider),
        "superadmin": await auth_headers(traced_app, superadmin),
    }


READS = {
    "getSite": (ORG + "/sites/{site}", "owner"),
    "listSites": (ORG + "/sites?per_page=10", "owner"),
    "listSites sorted by -name, q": (ORG + "/sites?sort=-name&q=Site", "member_headers"),
    "getOrganization": (ORG, "member_headers"),
    "listOrganizationMembers": (ORG + "/members", "member_headers"),
    "getOrganizationMember": (ORG + "/members/{member}", "owner"),
    "getUser (superadmin)": ("/api/v1/users/{member}", "superadmin"),
    "getUser (themselves, x-allow-self)": ("/api/v1/users/{member}", "member_headers"),
    "listUsers": ("/api/v1/users", "superadmin"),
}


@pytest.mark.parametrize("name", READS)
async def test_an_admitted_read_is_one_statement(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, world: dict[str, object], name: str
) -> None:
    template, who = READS[name]
    path = template.format(**world)
    response, statements = await statements_of(traced, exporter, path, world[who])  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert len(statements) == 1, statements
    assert "caller" in statements[0].lower()
    data = response.json()["data"]
    items = data if isinstance(data, list) else [data]
    assert items
    for item in items:  # the check's columns never reach the answer
        assert not [key for key in item if key.startswith("caller_") or key == PRESENT]


REFUSALS = {
    "a non-member's site": (ORG + "/sites/{site}", "outsider", 404, "organization_not_found"),
    "a non-member's list": (ORG + "/sites", "outsider", 404, "organization_not_found"),
    "a non-member's bad page, caller first": (
        ORG + "/sites?per_page=0",
        "outsider",
        404,
        "organization_not_found",
    ),
    "a member's missing site": (
        ORG + "/sites/" + str(uuid.UUID(int=7)),
        "member_headers",
        404,
        "site_not_found",
    ),
    "a member listing users": ("/api/v1/users", "member_headers", 403, "permission_denied"),
    "a member reading another user": (
        "/api/v1/users/" + str(uuid.UUID(int=7)),
        "member_headers",
        403,
        "permission_denied",
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
async def test_a_refused_read_is_decided_by_the_same_one_statement(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, world: dict[str, object], name: str
) -> None:
    template, who, status, code = REFUSALS[name]
    response, statements = await statements_of(
        traced,
        exporter,
        template.format(**world),
        world[who],  # type: ignore[arg-type]
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert len(statements) == 1, statements


async def test_an_ended_session_is_refused_in_one_statement(
    traced: httpx.AsyncClient,
    exporter: InMemorySpanExporter,
    world: dict[str, object],
    db: AsyncSession,
) -> None:
    await db.execute(update(orm.LoginSession).values(revoked_at=utcnow()))
    await db.commit()
    path = (ORG + "/sites/{site}").format(**world)
    response, statements = await statements_of(traced, exporter, path, world["owner"])  # type: ignore[arg-type]
    assert response.status_code == 401, response.text
    assert len(statements) == 1, statements


SINGLES = {name: READS[name] for name in READS if not name.startswith("list")}
"""The reads of one resource, which carry an ETag (x-resource)."""


@pytest.mark.parametrize("name", SINGLES)
async def test_a_read_answering_304_is_one_statement(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, world: dict[str, object], name: str
) -> None:
    """The version rides in the guarded statement: If-None-Match costs no second round trip."""
    template, who = SINGLES[name]
    path, headers = template.format(**world), world[who]
    tag = (await traced.get(path, headers=headers)).headers["etag"]  # type: ignore[arg-type]
    response, statements = await statements_of(
        traced,
        exporter,
        path,
        {**headers, "If-None-Match": tag},  # type: ignore[dict-item]
    )
    assert response.status_code == 304, response.text
    assert response.headers["etag"] == tag
    assert len(statements) == 1, statements
    assert "caller" in statements[0].lower()


async def test_the_guarded_read_carries_the_version_a_write_made(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, world: dict[str, object]
) -> None:
    """The ETag of a one-statement read is the version the last write gave the row."""
    path = (ORG + "/sites/{site}").format(**world)
    headers: dict[str, str] = world["owner"]  # type: ignore[assignment]
    before = (await traced.get(path, headers=headers)).headers["etag"]
    written = await traced.patch(path, json={"name": "Renamed"}, headers=headers)
    assert written.status_code == 200, written.text
    response, statements = await statements_of(traced, exporter, path, headers)
    assert response.status_code == 200, response.text
    assert len(statements) == 1, statements
    assert response.headers["etag"] == written.headers["etag"] != before


async def test_a_refused_caller_never_gets_304(
    traced: httpx.AsyncClient,
    exporter: InMemorySpanExporter,
    world: dict[str, object],
    db: AsyncSession,
) -> None:
    """The 304 is decided after the caller: a non-member, a member removed since the last read
    (on the next request) and an ended session get their refusal, whatever If-None-Match says,
    from the same one statement."""
    path = (ORG + "/sites/{site}").format(**world)
    member: dict[str, str] = world["member_headers"]  # type: ignore[assignment]
    tag = (await traced.get(path, headers=member)).headers["etag"]
    for value in (tag, "*"):
        outsider: dict[str, str] = world["outsider"]  # type: ignore[assignment]
        response, statements = await statements_of(
            traced, exporter, path, {**outsider, "If-None-Match": value}
        )
        assert (response.status_code, response.json()["code"]) == (404, "organization_not_found")
        assert len(statements) == 1, statements
    await db.execute(
        delete(orm.Membership).where(
            orm.Membership.organization_id == world["org"],
            orm.Membership.user_id == world["member"],
        )
    )
    await db.commit()
    response, statements = await statements_of(
        traced, exporter, path, {**member, "If-None-Match": tag}
    )
    assert (response.status_code, response.json()["code"]) == (404, "organization_not_found")
    assert len(statements) == 1, statements
    await db.execute(update(orm.LoginSession).values(revoked_at=utcnow()))
    await db.commit()
    owner: dict[str, str] = world["owner"]  # type: ignore[assignment]
    response, statements = await statements_of(
        traced, exporter, path, {**owner, "If-None-Match": tag}
    )
    assert response.status_code == 401, response.text
    assert len(statements) == 1, statements


async def test_the_profile_and_the_organization_list_check_the_caller_first(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, world: dict[str, object]
) -> None:
    """Their statement depends on who the caller is: the check runs alone, then the read."""
    for path in ("/api/v1/users/me", "/api/v1/organizations"):
        response, statements = await statements_of(traced, exporter, path, world["owner"])  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        assert len(statements) == 2, statements


async def test_a_refused_callers_resource_columns_are_null_in_the_statement(
    database: Database, db: AsyncSession
) -> None:
    """The join's ON is the permission: a non-member's row holds the caller, never the site."""
    owner, outsider = await make_user(db), await make_user(db)
    org = await make_org(db, owner=owner)
    site = await make_site(db, org)
    sessions = {owner.id: uuid.uuid4(), outsider.id: uuid.uuid4()}
    for user_id, session_id in sessions.items():
        await LoginSessionRepository(db).open(session_id, user_id, refresh_jti=uuid.uuid4())
    await db.commit()
    combined = guarded(SITE_ROW, CALLER_CHECK, grant_of(Permission.SITES_READ, allow_self=False))
    for user_id, admitted in ((owner.id, True), (outsider.id, False)):
        work = UnitOfWork(database, read_only=True)
        try:
            rows = await work.reader.rows(
                combined.statement,
                {
                    "org_id": org.id,
                    "site_id": site.id,
                    "caller_session_id": sessions[user_id],
                    "caller_user_id": user_id,
                    "caller_org_id": org.id,
                },
            )
        finally:
            await work.finish(None)
        assert len(rows) == 1
        (row,) = rows
        assert (row["caller_user_id"], row["caller_role"]) == (
            (user_id, "owner") if admitted else (user_id, None)
        )
        expected = (site.id, site.name, 1, 1) if admitted else (None, None, None, None)
        assert (row["id"], row["name"], row["version"], row[PRESENT]) == expected
