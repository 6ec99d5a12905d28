"""What every repository does the same way: hold the session, and insert, save or delete a row."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Base

Row = TypeVar("Row", bound=Base)


def table_of(model: type[Base]) -> Table:
    """The model's Core table: statements over its columns run on the connection without the
    ORM's per-execution work, and can be built once at import with bind parameters."""
    return cast(Table, model.__table__)


class Repository(Generic[Row]):
    """Base of the repositories; they flush so constraint errors surface, and never commit."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
