"""Reads: Core statements run for plain rows, the fast way on each database.

A read-only request on PostgreSQL runs its statements on the pooled psycopg connection itself:
each statement is compiled by SQLAlchemy once (module-level statements with bind parameters),
and executed as a prepared statement (unless DB_PREPARED_STATEMENTS is off) with results in
binary format (UUIDs and timestamps parse faster than from text), without a Session, an
execution context or a result object per call. Profiled on GET one site, SQLAlchemy's
per-execution work cost more CPU than psycopg and PostgreSQL together. Anywhere else (SQLite,
and the transaction of a writing request) statements run on the unit of work's SQLAlchemy
connection, with the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import psycopg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

from app.data.driver_pool import Connection, DriverPool

if TYPE_CHECKING:
    from app.observability.tracing_db import QuerySpans

Row = dict[str, Any]
"""One row, keyed by the statement's column labels."""
Table = tuple[tuple[str, ...], Sequence[Sequence[Any]]]
"""A statement's column labels and its rows, each a sequence of values in that order."""


class Reader(Protocol):
    """Runs Core SELECTs for plain rows."""

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        """Every row of the statement."""
        ...

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        ...

    async def scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        ...

    async def table(self, statement: Executable, params: Mapping[str, Any]) -> Table:
        """The statement's column labels and its rows as tuples (no dict per row)."""
        ...


class CoreReader:
    """Statements run on a SQLAlchemy connection (SQLite, or a writing transaction)."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        """Every row of the statement."""
        keys, found = await self.table(statement, params)
        return [dict(zip(keys, row, strict=True)) for row in found]

    async def table(self, statement: Executable, params: Mapping[str, Any]) -> Table:
        """The statement's column labels and its rows as tuples."""
        connection: AsyncConnection = await self._connect()
        result = await connection.execute(statement, dict(params))
        return tuple(result.keys()), result.all()

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        found = await self.rows(statement, params)
        return found[0] if found else None

    async def scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        connection: AsyncConnection = await self._connect()
        return await connection.scalar(statement, dict(params))


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for psycopg: its SQL, and how to bind values and read rows."""

    sql: str
    defaults: Mapping[str, Any]
    """Every bind parameter's value as the statement holds it (None where given per call)."""
    bind_processors: Mapping[str, Callable[[Any], Any]]
    keys: tuple[str, ...]
    result_processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SELECT: {statement}")
        columns = compiled._result_columns
        return cls(
            compiled.string,
            dict(compiled.construct_params(escape_names=False, _check=False)),
            {k: v for k, v in compiled._bind_processors.items() if callable(v)},
            # Plain str keys: a label may be SQLAlchemy's str subclass (a subquery's columns),
            # which pydantic_core's to_json serializes far more slowly than a str.
            tuple(str.__str__(column[0]) for column in columns),
            tuple(column[3]._cached_result_processor(dialect, None) for column in columns),
        )

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's parameters: the statement's own bound values, then the given ones."""
        values = {**self.defaults, **params}
        for name, process in self.bind_processors.items():
            values[name] = process(values[name])
        return values

    def to_values(self, raw: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The rows as value tuples, each value through its column type's result processor."""
        processors = self.result_processors
        if not any(processors):
            return raw
        return [
            tuple(
                process(value) if process is not None else value
                for process, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]

    def to_rows(self, raw: Sequence[Sequence[Any]]) -> list[Row]:
        """Plain rows, each value through its column type's result processor (if any)."""
        keys = self.keys
        return [dict(zip(keys, row, strict=True)) for row in self.to_values(raw)]


class DriverReader:
    """Statements run on one psycopg connection of the driver pool, in autocommit mode
    (read-only requests on PostgreSQL): checked out on the first statement, returned by
    `release`. With ``spans`` (tracing on), each statement's execution is a span; ``prepare``:
    each statement is prepared on the connection once (False: sent unnamed every time)."""

    _compiled: dict[Executable, _Compiled] = {}  # noqa: RUF012 - shared by every request
    """Compiled statements; statements are built once, so this stays small."""

    def __init__(
        self,
        pool: DriverPool,
        dialect: Dialect,
        spans: QuerySpans | None = None,
        *,
        prepare: bool = True,
    ) -> None:
        self._pool = pool
        self._dialect = dialect
        self._spans = spans
        self._prepare = prepare
        self._connection: Connection | None = None

    @property
    def holds_connection(self) -> bool:
        """Whether a connection is checked out."""
        return self._connection is not None

    def _compile(self, statement: Executable) -> _Compiled:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled.of(statement, self._dialect)
        return compiled

    async def _fetch(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        compiled, raw = await self._execute(statement, params)
        return compiled.to_rows(raw)

    async def table(self, statement: Executable, params: Mapping[str, Any]) -> Table:
        """The statement's column labels and its rows as tuples."""
        compiled, raw = await self._execute(statement, params)
        return compiled.keys, compiled.to_values(raw)

    async def _execute(
        self, statement: Executable, params: Mapping[str, Any]
    ) -> tuple[_Compiled, list[tuple[Any, ...]]]:
        compiled = self._compile(statement)
        values = compiled.bind(params)
        if self._connection is None:
            self._connection = await self._pool.acquire()
        spans = self._spans
        span = None if spans is None else spans.start(compiled.sql)
        try:
            cursor = self._connection.statements
            await cursor.execute(compiled.sql, values, prepare=self._prepare, binary=True)
            raw = await cursor.fetchall()
        except psycopg.Error as error:
            if spans is not None and span is not None:
                spans.failed(span, error)
            translated = DBAPIError.instance(
                compiled.sql,
                None,
                error,
                psycopg.Error,
                hide_parameters=True,
                connection_invalidated=self._connection.broken,
                dialect=self._dialect,
            )
            raise cast(BaseException, translated) from error
        finally:
            if span is not None:
                span.end()
        return compiled, raw

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        """Every row of the statement."""
        return await self._fetch(statement, params)

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        found = await self._fetch(statement, params)
        return found[0] if found else None

    async def scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        found = await self._fetch(statement, params)
        return next(iter(found[0].values())) if found else None

    def release(self) -> None:
        """Return the connection to the pool (which closes one left broken or mid-query)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(connection)
