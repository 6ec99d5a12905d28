"""Query spans: a CLIENT span per SQL statement, a child of the current (request) span.

Statements run two ways (app.data.reading): through SQLAlchemy's engine, traced by its cursor events
(`before_cursor_execute`, `after_cursor_execute`, `handle_error`), which run in SQLAlchemy's
greenlet with the request's context; and, on PostgreSQL's read-only requests, straight on a
psycopg connection by `DriverReader`, which starts its span through `QuerySpans.start` when the
database has them (`Database.query_spans`, None unless tracing is on).

Attributes follow the database semantic conventions: `db.system.name`, `db.namespace`,
`db.operation.name`, `db.query.text` (the SQL with its placeholders, as sent to the driver),
`server.address` and `server.port` (PostgreSQL). Parameter values are never recorded (they
include emails, password hashes and token ids), nor are error messages (a constraint error
quotes the row): a failed statement records its exception's class and SQLSTATE only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue
from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from app.observability.tracing import error_type

_SPAN = "_query_span"
"""Where a SQLAlchemy execution context keeps its span between the cursor events."""
_FIRST_WORD = re.compile(r"\s*(\w+)")
POSTGRESQL_PORT = 5432


_STATEMENTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "VALUES"})


@lru_cache(maxsize=1024)
def operation_name(sql: str) -> str:
    """The statement's first keyword, upper case (SELECT, INSERT, BEGIN, ...); for `WITH ...`
    the statement's own, after its common table expressions (a read carrying its caller check,
    app.data.guarded, is a SELECT)."""
    match = _FIRST_WORD.match(sql)
    first = match.group(1).upper() if match else ""
    if first != "WITH":
        return first
    depth = 0
    for position, character in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and character == ")":
            following = _FIRST_WORD.match(sql, position + 1)
            if following and following.group(1).upper() in _STATEMENTS:
                return following.group(1).upper()
    return first


def database_attributes(url: URL) -> dict[str, AttributeValue]:
    """The attributes every statement on the database shares."""
    system = url.get_backend_name()
    attributes: dict[str, AttributeValue] = {"db.system.name": system}
    if url.database and url.database != ":memory:":
        attributes["db.namespace"] = url.database
    if system == "postgresql" and url.host:
        attributes["server.address"] = url.host
        attributes["server.port"] = url.port or POSTGRESQL_PORT
    return attributes


class QuerySpans:
    """Starts the spans of one database's statements."""

    def __init__(self, tracer_provider: TracerProvider, url: URL) -> None:
        self.tracer = tracer_provider.get_tracer(__name__)
        self.attributes = database_attributes(url)
        namespace = self.attributes.get("db.namespace")
        self.target = f" {namespace}" if namespace else ""
        """The span name's suffix after the operation (semantic conventions: the namespace)."""

    def start(self, sql: str, *, batch_size: int = 1) -> Span:
        """A started span of the statement, child of the current span; the caller ends it."""
        operation = operation_name(sql)
        attributes = {**self.attributes, "db.query.text": sql}
        if batch_size > 1:
            operation = f"BATCH {operation}"
            attributes["db.operation.batch.size"] = batch_size
        attributes["db.operation.name"] = operation
        return self.tracer.start_span(
            f"{operation}{self.target}", kind=SpanKind.CLIENT, attributes=attributes
        )

    @staticmethod
    def failed(span: Span, error: BaseException) -> None:
        """Mark the span failed by ``error``: its class and SQLSTATE, never its message."""
        span.set_attribute("error.type", error_type(error))
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str):
            span.set_attribute("db.response.status_code", sqlstate)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))

    def before_cursor_execute(
        self,
        _connection: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        """SQLAlchemy event: start the statement's span (kept on its execution context)."""
        if context is not None:
            batch_size = len(parameters) if executemany else 1
            vars(context)[_SPAN] = self.start(statement, batch_size=batch_size)

    @staticmethod
    def after_cursor_execute(
        _connection: Any,
        _cursor: Any,
        _statement: str,
        _parameters: Any,
        context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        """SQLAlchemy event: the statement ran; end its span."""
        span: Span | None = vars(context).pop(_SPAN, None) if context is not None else None
        if span is not None:
            span.end()

    def handle_error(self, exception_context: ExceptionContext) -> None:
        """SQLAlchemy event: the statement failed; end its span as failed."""
        context = exception_context.execution_context
        span: Span | None = vars(context).pop(_SPAN, None) if context is not None else None
        if span is not None:
            self.failed(span, exception_context.original_exception)
            span.end()


def trace_queries(engine: AsyncEngine, tracer_provider: TracerProvider) -> QuerySpans:
    """Trace every statement the engine runs (its cursor events); the spans returned also serve
    the driver reads (`Database.query_spans`)."""
    spans = QuerySpans(tracer_provider, engine.url)
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", spans.before_cursor_execute)
    event.listen(sync_engine, "after_cursor_execute", spans.after_cursor_execute)
    event.listen(sync_engine, "handle_error", spans.handle_error)
    return spans
