"""What every repository does the same way: hold the unit of work, read plain rows through its
reader, and insert, save or delete a row through its session."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeGuard, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.data.database import Base
from app.data.reading import CoreReader, Reader
from app.data.unit_of_work import UnitOfWork

Row = TypeVar("Row", bound=Base)


def table_of(model: type[Base]) -> Table:
    """The model's Core table: statements over its columns run on the connection without the
    ORM's per-execution work, and can be built once at import with bind parameters."""
    return cast(Table, model.__table__)


class Store:
    """Holds a request's unit of work (or, in scripts and tests, a plain session)."""

    def __init__(self, work: UnitOfWork | AsyncSession) -> None:
        self.work = work

    @property
    def session(self) -> AsyncSession:
        """The ORM session, for changes (and reads that lock rows)."""
        return self.work if isinstance(self.work, AsyncSession) else self.work.session

    @property
    def on_postgresql(self) -> bool:
        """Whether the session is PostgreSQL's (else SQLite's), where their SQL differs."""
        return self.session.get_bind().dialect.name == "postgresql"

    @property
    def reader(self) -> Reader:
        """Where Core reads of plain rows run."""
        if isinstance(self.work, AsyncSession):
            return CoreReader(self.work.connection)
        return self.work.reader

    def wants(self, resource: str | None) -> TypeGuard[str]:
        """Whether the request's operation is about this resource (only its versions matter)."""
        return (
            resource is not None
            and isinstance(self.work, UnitOfWork)
            and self.work.versions.wants(resource)
        )

    def seen(self, resource: str, identity: object, version: object) -> None:
        """Note the version of a resource row read or written (its ETag; app.data.versions)."""
        if isinstance(self.work, UnitOfWork):  # scripts and tests may pass a plain session
            self.work.versions.seen(resource, identity, version)

    def locked(self, resource: str, identity: object, version: object) -> None:
        """Note a row locked for a change and hold it to the request's If-Match."""
        if isinstance(self.work, UnitOfWork):
            self.work.versions.locked(resource, identity, version)

    def must_lock(self, resource: str) -> bool:
        """Whether an If-Match applies to a write of this resource (lock and compare first)."""
        return isinstance(self.work, UnitOfWork) and self.work.versions.must_lock(resource)


class Repository(Store, Generic[Row]):
    """Base of the repositories; they flush so constraint errors surface, and never commit.
    A repository of a resource names it (`resource`): the rows it inserts, saves, reads and
    locks note their versions (app.data.versions)."""

    resource: ClassVar[str | None] = None

    async def add(self, row: Row) -> Row:
        """Insert a row and load its database-side values."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        await self.note(row)
        return row

    async def save(self, row: Row) -> Row:
        """Flush changes to a row (the mapper increments its version in the same UPDATE) and
        reload it."""
        await self.session.flush()
        await self.session.refresh(row)
        await self.note(row)
        return row

    async def note(self, row: Row) -> None:
        """Note the version of an ORM row of this repository's resource."""
        if self.wants(self.resource):
            self.seen(self.resource, self.identity(row), await self.version_of(row))

    async def note_locked(self, row: Row) -> None:
        """Note a row locked for a change and hold it to the request's If-Match."""
        if self.wants(self.resource):
            self.locked(self.resource, self.identity(row), await self.version_of(row))

    def note_plain(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        """A plain row read with its `version`: noted, and returned without it."""
        if row is not None and self.resource is not None:
            version = row.pop("version")
            self.seen(self.resource, self.plain_identity(row), version)
        return row

    @staticmethod
    def identity(row: Any) -> object:
        """What identifies the row within its resource (its id)."""
        return row.id

    @staticmethod
    def plain_identity(row: dict[str, Any]) -> object:
        """The same, of a plain row."""
        return row["id"]

    async def version_of(self, row: Any) -> object:
        """The row's version token."""
        return row.version

    async def delete(self, row: Row) -> None:
        """Delete a row (dependent rows go with it through ON DELETE CASCADE)."""
        await self.session.delete(row)
        await self.session.flush()
