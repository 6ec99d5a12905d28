"""What every repository does the same way: hold the unit of work, read plain rows through its
reader, and insert, save or delete a row through its session."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

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
    def reader(self) -> Reader:
        """Where Core reads of plain rows run."""
        if isinstance(self.work, AsyncSession):
            return CoreReader(self.work.connection)
        return self.work.reader


class Repository(Store, Generic[Row]):
    """Base of the repositories; they flush so constraint errors surface, and never commit."""

    async def add(self, row: Row) -> Row:
        """Insert a row and load its database-side values."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def save(self, row: Row) -> Row:
        """Flush changes to a row and reload it."""
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def delete(self, row: Row) -> None:
        """Delete a row (dependent rows go with it through ON DELETE CASCADE)."""
        await self.session.delete(row)
        await self.session.flush()
