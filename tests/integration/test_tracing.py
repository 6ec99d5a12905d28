"""Tracing through the app: one SERVER span per request named by its operationId, with the
request id and the route template; CLIENT spans for every statement (SQLAlchemy's and, on
PostgreSQL, the driver reader's) as its children; incoming trace context continued; nothing the
caller sent as a secret on any span; and nothing installed at all when tracing is off.

Spans are collected by an in-memory exporter of a provider handed to create_app; one test runs
the OTEL_* path end to end, exporting OTLP/HTTP to a collector stand-in.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI, Request
from jose import jwt
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id
from sqlalchemy import Integer, String, bindparam, cast, make_url, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.data import models as orm
from app.data.database import Database
from app.domain.exchange import exchange_of
from app.edge.middleware import EdgeMiddleware
from app.main import create_app
from app.observability.logs import JsonFormatter
from app.observability.tracing_http import TracingMiddleware
from generated.operations import OPERATIONS
from tests.factories import (
    PASSWORD,
    SUPERADMIN_EMAIL,
    SUPERADMIN_PASSWORD,
    auth_headers,
    bearer_headers,
    make_org,
    make_site,
    make_user,
)
from tests.live_server import free_port

SITE = "/api/v1/organizations/{org_id}/sites/{site_id}"
SITES = "/api/v1/organizations/{org_id}/sites"


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The finished SERVER spans."""
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]


def span_of(exporter: InMemorySpanExporter, response: httpx.Response) -> ReadableSpan:
    """The one SERVER span of the response, found by its request id."""
    request_id = response.headers["x-request-id"]
    found = [
        s for s in server_spans(exporter) if (s.attributes or {}).get("request_id") == request_id
    ]
    assert len(found) == 1, [s.name for s in server_spans(exporter)]
    return found[0]


def children(exporter: InMemorySpanExporter, parent: ReadableSpan) -> list[ReadableSpan]:
    """The finished spans whose parent is ``parent``."""
    assert parent.context is not None
    return [
        span
        for span in exporter.get_finished_spans()
        if span.parent is not None and span.parent.span_id == parent.context.span_id
    ]


def database_expectations(settings: Settings) -> dict[str, Any]:
    """The attributes every statement's span carries on the test database."""
    url = make_url(settings.DATABASE_URL)
    if settings.is_sqlite:
        return {"db.system.name": "sqlite", "db.namespace": url.database}
    return {
        "db.system.name": "postgresql",
        "db.namespace": url.database,
        "server.address": url.host,
        "server.port": url.port or 5432,
    }


def assert_query_spans(spans: Sequence[ReadableSpan], settings: Settings) -> None:
    """Each is a CLIENT span of one statement with the database's attributes."""
    expected = database_expectations(settings)
    for span in spans:
        attributes = dict(span.attributes or {})
        assert span.kind is SpanKind.CLIENT
        assert {key: attributes.get(key) for key in expected} == expected
        operation = attributes["db.operation.name"]
        assert isinstance(operation, str)
        text_ = str(attributes["db.query.text"]).upper()
        keyword = operation.split()[-1]
        after_ctes = text_.startswith("WITH") and re.search(rf"\)\s*{keyword}\b", text_)
        assert text_.startswith(keyword) or after_ctes
        assert span.name == f"{operation} {expected['db.namespace']}"


@pytest.fixture
async def site(traced_app: FastAPI, db: AsyncSession) -> tuple[dict[str, str], orm.Site]:
    """A site, and the bearer header of its organization's owner (signed in on the traced app)."""
    owner = await make_user(db)
    org = await make_org(db, owner=owner)
    return await auth_headers(traced_app, owner), await make_site(db, org)


@pytest.mark.parametrize(("operation_id", "template"), [("getSite", SITE), ("listSites", SITES)])
async def test_a_signed_in_read_is_one_server_span_with_a_span_per_statement(
    traced: httpx.AsyncClient,
    exporter: InMemorySpanExporter,
    settings: Settings,
    site: tuple[dict[str, str], orm.Site],
    operation_id: str,
    template: str,
) -> None:
    headers, the_site = site
    exporter.clear()
    path = template.format(org_id=the_site.organization_id, site_id=the_site.id)
    response = await traced.get(path, headers=headers)
    assert response.status_code == 200, response.text

    (server,) = server_spans(exporter)
    assert server is span_of(exporter, response)
    assert server.name == operation_id == OPERATIONS[operation_id].operation_id
    assert server.parent is None
    assert server.status.status_code is StatusCode.UNSET
    assert dict(server.attributes or {}) == {
        "http.request.method": "GET",
        "http.route": template,
        "http.response.status_code": 200,
        "url.scheme": "http",
        "client.address": "127.0.0.1",
        "request_id": response.headers["x-request-id"],
    }
    queries = children(exporter, server)
    # The caller's session and role with the site or the page (and its total): one statement.
    assert len(queries) == 1, [span.name for span in exporter.get_finished_spans()]
    assert_query_spans(queries, settings)
    assert {dict(span.attributes or {})["db.operation.name"] for span in queries} == {"SELECT"}
    assert server.context is not None
    for query in queries:
        assert query.context is not None
        assert query.context.trace_id == server.context.trace_id
        assert server.start_time is not None and query.start_time is not None
        assert server.end_time is not None and query.end_time is not None
        assert server.start_time <= query.start_time <= query.end_time <= server.end_time
    assert len(exporter.get_finished_spans()) == 1 + len(queries)


async def test_a_write_traces_every_statement_of_its_transaction(
    traced: httpx.AsyncClient,
    exporter: InMemorySpanExporter,
    settings: Settings,
    site: tuple[dict[str, str], orm.Site],
) -> None:
    headers, the_site = site
    exporter.clear()
    path = SITE.format(org_id=the_site.organization_id, site_id=the_site.id)
    response = await traced.patch(path, json={"name": "Renamed"}, headers=headers)
    assert response.status_code == 200, response.text

    server = span_of(exporter, response)
    assert server.name == "updateSite"
    assert (server.attributes or {})["http.request.method"] == "PATCH"
    assert (server.attributes or {})["http.route"] == SITE
    queries = children(exporter, server)
    assert_query_spans(queries, settings)
    operations = [dict(span.attributes or {})["db.operation.name"] for span in queries]
    assert "UPDATE" in operations
    assert "SELECT" in operations
    update = next(s for s in queries if (s.attributes or {})["db.operation.name"] == "UPDATE")
    assert "Renamed" not in str(update.attributes)


async def test_an_incoming_traceparent_continues_the_callers_trace(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, site: tuple[dict[str, str], orm.Site]
) -> None:
    headers, the_site = site
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    exporter.clear()
    response = await traced.get(
        SITE.format(org_id=the_site.organization_id, site_id=the_site.id),
        headers={**headers, "traceparent": f"00-{trace_id}-{parent_id}-01"},
    )
    assert response.status_code == 200

    server = span_of(exporter, response)
    assert server.context is not None and server.parent is not None
    assert format_trace_id(server.context.trace_id) == trace_id
    assert format_span_id(server.parent.span_id) == parent_id
    assert server.parent.is_remote
    assert children(exporter, server)
    assert {
        format_trace_id(s.context.trace_id) for s in exporter.get_finished_spans() if s.context
    } == {trace_id}


async def test_a_malformed_traceparent_starts_a_new_trace(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    response = await traced.get("/health/live", headers={"traceparent": "00-zz-nonsense-01"})
    assert response.status_code == 200
    assert span_of(exporter, response).parent is None


async def test_the_trace_id_is_in_the_exchange_beside_the_request_id(
    settings: Settings, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    application = create_app(settings, tracer_provider=provider)
    seen: dict[str, str] = {}

    async def state(request: Request) -> dict[str, str]:
        exchange = exchange_of(request.scope)
        seen.update(trace_id=str(exchange.trace_id), request_id=exchange.request_id)
        return seen

    application.add_api_route("/state-probe", state)
    exporter.clear()
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/state-probe")
    assert response.status_code == 200
    server = span_of(exporter, response)
    assert server.context is not None
    assert seen == {
        "trace_id": format_trace_id(server.context.trace_id),
        "request_id": response.headers["x-request-id"],
    }
    assert server.name == "state"  # a route outside the spec: its name
    await application.state.database.dispose()


async def test_the_request_log_line_carries_the_trace_id(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.requests")
    response = await traced.get("/health/live", headers={"X-Request-ID": "trace-me-0001"})
    server = span_of(exporter, response)
    assert server.context is not None
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    (line,) = [line for line in lines if line.get("request_id") == "trace-me-0001"]
    assert line["trace_id"] == format_trace_id(server.context.trace_id)


async def test_an_unknown_path_gets_a_span_without_an_operation_id(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    response = await traced.get(
        f"/api/v1/no-such-thing/{uuid.uuid4()}", params={"email": "someone@example.com"}
    )
    assert response.status_code == 404

    server = span_of(exporter, response)
    assert server.name == "GET unmatched"
    assert server.name not in OPERATIONS
    attributes = dict(server.attributes or {})
    assert "http.route" not in attributes
    assert attributes["http.response.status_code"] == 404
    assert server.status.status_code is StatusCode.UNSET  # a client error is not the server's
    assert "no-such-thing" not in str(attributes)
    assert "someone" not in str(attributes)
    assert children(exporter, server) == []


async def test_a_request_refused_before_routing_is_unmatched_too(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    response = await traced.get("/health/live", headers={"X-API-Version": "99"})
    assert response.status_code == 400
    assert span_of(exporter, response).name == "GET unmatched"


@pytest.mark.parametrize(
    ("path", "name", "route"),
    [
        ("/api/v1/openapi.json", "openapi_json", "/api/v1/openapi.json"),
        ("/docs", "swagger_ui", "/docs"),
        ("/docs/assets/swagger-ui.css", "docs-assets", "/docs/assets/{path}"),
        ("/metrics", "metrics", "/metrics"),
    ],
)
async def test_routes_outside_the_spec_are_named_by_their_route_name(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, path: str, name: str, route: str
) -> None:
    response = await traced.get(path)
    assert response.status_code == 200
    server = span_of(exporter, response)
    assert server.name == name
    assert (server.attributes or {})["http.route"] == route


async def test_liveness_answered_from_memory_is_still_named_by_its_operation(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    responses = [await traced.get("/health/live") for _ in range(3)]
    for response in responses:
        assert response.status_code == 200
        server = span_of(exporter, response)
        assert server.name == "getLiveness"
        assert (server.attributes or {})["http.route"] == "/health/live"


async def test_a_server_error_marks_the_span_failed(
    settings: Settings, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    application = create_app(
        Settings(**{**settings.model_dump(), "DATABASE_URL": unreachable}), tracer_provider=provider
    )
    exporter.clear()
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get(
            "/api/v1/users/me", headers=bearer_headers(application, uuid.uuid4(), uuid.uuid4())
        )
    await application.state.database.dispose()
    assert response.status_code == 503

    server = span_of(exporter, response)
    assert server.name == "getCurrentUser"
    assert server.status.status_code is StatusCode.ERROR
    assert (server.attributes or {})["error.type"] == "503"
    assert (server.attributes or {})["http.response.status_code"] == 503


def everything_recorded(spans: Sequence[ReadableSpan]) -> str:
    """Every name, attribute, event and status text of the spans, as one string."""
    parts: list[str] = []
    for span in spans:
        parts += [span.name, repr(dict(span.attributes or {})), str(span.status.description)]
        parts += [f"{e.name} {dict(e.attributes or {})}" for e in span.events]
        parts += [repr(dict(link.attributes or {})) for link in span.links]
    return "\n".join(parts)


async def test_no_password_email_or_token_reaches_a_span(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter, db: AsyncSession
) -> None:
    email, password = "Secret.Person@Example.com", "a-secret-password-42"
    user = await make_user(db)
    exporter.clear()
    signed_in = await traced.post(
        "/api/v1/auth/login", json={"email": SUPERADMIN_EMAIL, "password": SUPERADMIN_PASSWORD}
    )
    admin = signed_in.json()["data"]
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    created = await traced.post(
        "/api/v1/users",
        json={"email": email, "password": password, "full_name": "Secret Person"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    taken = await traced.post(
        "/api/v1/users",
        json={"email": email.upper(), "password": password, "full_name": "Again"},
        headers=headers,
    )
    assert taken.status_code == 409
    found = await traced.get("/api/v1/users", params={"q": "secret.person"}, headers=headers)
    assert found.status_code == 200
    theirs = await traced.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    tokens = theirs.json()["data"]
    refreshed = await traced.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    changed = await traced.patch(
        "/api/v1/users/me",
        json={"current_password": PASSWORD, "password": password},
        headers={"Authorization": f"Bearer {refreshed.json()['data']['access_token']}"},
    )
    assert changed.status_code == 200, changed.text
    wrong = await traced.post(
        "/api/v1/auth/login", json={"email": email, "password": "not-it-1234"}
    )
    assert wrong.status_code == 401

    stored = await db.get(orm.User, uuid.UUID(created.json()["data"]["id"]))
    assert stored is not None
    secrets = {email, email.lower(), password, "not-it-1234", PASSWORD, SUPERADMIN_EMAIL}
    secrets |= {SUPERADMIN_PASSWORD, user.email, stored.password_hash}
    for token in (admin, tokens, refreshed.json()["data"]):
        for kind in ("access_token", "refresh_token"):
            secrets.add(token[kind])
            claims = jwt.get_unverified_claims(token[kind])
            secrets |= {claims["jti"], claims["sid"]}
    spans = exporter.get_finished_spans()
    assert len(server_spans(exporter)) == 8
    recorded = everything_recorded(spans)
    leaked = sorted(secret for secret in secrets if secret.lower() in recorded.lower())
    assert not leaked


async def test_a_failed_statement_records_its_error_class_but_no_values(
    traced_app: FastAPI, exporter: InMemorySpanExporter, db: AsyncSession, settings: Settings
) -> None:
    existing = await make_user(db)
    database: Database = traced_app.state.database
    exporter.clear()
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            session.add(
                orm.User(
                    email=existing.email, full_name="Twin", password_hash="not-a-hash-but-secret"
                )
            )
            await session.commit()

    (failed,) = [
        s for s in exporter.get_finished_spans() if s.status.status_code is StatusCode.ERROR
    ]
    assert_query_spans([failed], settings)
    attributes = dict(failed.attributes or {})
    assert attributes["db.operation.name"] == "INSERT"
    if settings.is_sqlite:
        assert attributes["error.type"] == "sqlite3.IntegrityError"
    else:
        assert attributes["error.type"] == "psycopg.errors.UniqueViolation"
        assert attributes["db.response.status_code"] == "23505"
    assert failed.status.description in ("IntegrityError", "UniqueViolation")
    assert failed.events == ()  # no exception event: its message would quote the row
    recorded = everything_recorded(exporter.get_finished_spans())
    assert existing.email not in recorded
    assert "not-a-hash-but-secret" not in recorded


async def test_driver_reads_are_traced_with_their_errors_but_no_values(
    traced_app: FastAPI,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
    settings: Settings,
) -> None:
    database: Database = traced_app.state.database
    if not database.driver_reads:
        pytest.skip("the driver reader is PostgreSQL's")
    tracer = provider.get_tracer(__name__)
    secret = "driver.secret@example.com"
    exporter.clear()
    reader = database.driver_reader()
    with tracer.start_as_current_span("request"):
        try:
            assert (
                await reader.scalar(select(bindparam("value", type_=String)), {"value": secret})
                == secret
            )
            with pytest.raises(DBAPIError):
                await reader.scalar(
                    select(cast(bindparam("value", type_=String), Integer)), {"value": secret}
                )
        finally:
            reader.release()

    (request,) = [s for s in exporter.get_finished_spans() if s.name == "request"]
    queries = children(exporter, request)
    assert [s.status.status_code for s in queries] == [StatusCode.UNSET, StatusCode.ERROR]
    assert_query_spans(queries, settings)
    failed = dict(queries[1].attributes or {})
    assert failed["error.type"] == "psycopg.errors.InvalidTextRepresentation"
    assert failed["db.response.status_code"] == "22P02"
    assert secret not in everything_recorded(exporter.get_finished_spans())


async def test_statements_outside_a_request_are_root_spans(
    traced_app: FastAPI, exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    async with traced_app.state.database.session() as session:
        await session.execute(text("SELECT 1"))
    (query,) = exporter.get_finished_spans()
    assert query.kind is SpanKind.CLIENT
    assert query.parent is None
    assert query.name.startswith("SELECT")


async def test_the_tracing_middleware_is_outermost(traced_app: FastAPI) -> None:
    outermost = [middleware.cls for middleware in traced_app.user_middleware][:2]
    assert outermost == [TracingMiddleware, EdgeMiddleware]  # no proxy trusted: no ProxyHeaders


async def test_off_by_default_nothing_is_installed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, app: FastAPI
) -> None:
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    fresh = create_app(settings)
    for application in (fresh, app):
        database: Database = application.state.database
        assert TracingMiddleware not in [m.cls for m in application.user_middleware]
        assert application.user_middleware[0].cls is EdgeMiddleware
        assert database.query_spans is None
        assert not database.engine.sync_engine.dispatch.before_cursor_execute
        assert not database.engine.sync_engine.dispatch.after_cursor_execute
        assert not database.engine.sync_engine.dialect.dispatch.handle_error
    await fresh.state.database.dispose()


@asynccontextmanager
async def served_lifespan(application: FastAPI) -> AsyncIterator[None]:
    """Start and stop the app through the ASGI lifespan protocol, as uvicorn does (so FastAPI's
    own start-up and shutdown hooks run too)."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    running = asyncio.create_task(application(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    assert (await from_app.get())["type"] == "lifespan.startup.complete"
    yield
    await to_app.put({"type": "lifespan.shutdown"})
    assert (await from_app.get())["type"] == "lifespan.shutdown.complete"
    await running


class _Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver stand-in: keeps each export request's body."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A local OTLP/HTTP endpoint and what it received."""
    received: list[tuple[str, bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


async def test_the_environment_switches_it_on_and_shutdown_exports_the_queue(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    collector: tuple[str, list[tuple[str, bytes]]],
) -> None:
    endpoint, received = collector
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orgsites-under-test")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")  # nothing leaves before shutdown
    # FastAPI's own telemetry would set global providers and add spans, metrics and logs of its own.
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    application = create_app(settings)
    assert application.user_middleware[0].cls is TracingMiddleware
    async with served_lifespan(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/health/live")
        assert response.status_code == 200
        assert received == []

    assert [path for path, _ in received] == ["/v1/traces"]
    export = ExportTraceServiceRequest.FromString(received[0][1])
    (resource_spans,) = export.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "orgsites-under-test"
    assert resource["service.version"] == application.version
    spans = {s.scope.name: [span.name for span in s.spans] for s in resource_spans.scope_spans}
    assert spans["app.observability.tracing_http"] == ["getLiveness"]
    assert set(spans) == {
        "app.observability.tracing_http",
        "app.observability.tracing_db",
    }  # the first superuser's queries
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"  # still unset
