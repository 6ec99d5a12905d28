"""Query spans on their own: the attributes of each database URL, operation names, and a batch
(executemany) on a real in-memory SQLite engine."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, event, make_url, text

from app.observability.tracing_db import QuerySpans, database_attributes, operation_name


@pytest.mark.parametrize(
    ("url", "attributes"),
    [
        (
            "postgresql+psycopg://u:secret@db.internal/orgsites",
            {
                "db.system.name": "postgresql",
                "db.namespace": "orgsites",
                "server.address": "db.internal",
                "server.port": 5432,
            },
        ),
        (
            "postgresql+psycopg://u@10.0.0.5:6432/other",
            {
                "db.system.name": "postgresql",
                "db.namespace": "other",
                "server.address": "10.0.0.5",
                "server.port": 6432,
            },
        ),
        (
            "sqlite+aiosqlite:///./data/app.db",
            {"db.system.name": "sqlite", "db.namespace": "./data/app.db"},
        ),
        ("sqlite+aiosqlite://", {"db.system.name": "sqlite"}),
        ("sqlite+aiosqlite:///:memory:", {"db.system.name": "sqlite"}),
    ],
)
def test_the_database_attributes_come_from_the_url_without_credentials(
    url: str, attributes: dict[str, object]
) -> None:
    assert database_attributes(make_url(url)) == attributes


@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        ("SELECT 1", "SELECT"),
        ("\n  insert into users (email) VALUES (?)", "INSERT"),
        ("BEGIN IMMEDIATE", "BEGIN"),
        ("RELEASE SAVEPOINT sa_savepoint_1", "RELEASE"),
        ("WITH caller AS \n(SELECT (SELECT 1) AS x)\n SELECT caller.x FROM caller", "SELECT"),
        ("with moved as (delete from a returning *) insert into b select * from moved", "INSERT"),
        ("WITH", "WITH"),
        ("", ""),
    ],
)
def test_the_operation_is_the_first_keyword_after_any_ctes(sql: str, operation: str) -> None:
    assert operation_name(sql) == operation


def test_a_batch_is_one_span_named_batch_with_its_size() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    engine = create_engine("sqlite://")
    spans = QuerySpans(provider, engine.url)
    event.listen(engine, "before_cursor_execute", spans.before_cursor_execute)
    event.listen(engine, "after_cursor_execute", spans.after_cursor_execute)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (email TEXT)"))
        exporter.clear()
        connection.execute(
            text("INSERT INTO t (email) VALUES (:email)"),
            [{"email": "a@example.com"}, {"email": "b@example.com"}],
        )
    (span,) = exporter.get_finished_spans()
    assert span.name == "BATCH INSERT"  # no namespace for an in-memory database
    assert dict(span.attributes or {}) == {
        "db.system.name": "sqlite",
        "db.query.text": "INSERT INTO t (email) VALUES (?)",
        "db.operation.name": "BATCH INSERT",
        "db.operation.batch.size": 2,
    }
    engine.dispose()
