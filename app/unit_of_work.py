"""The unit of work of one request: its database session, committed or rolled back in one place.

The session is opened on first use, so requests that never touch the database (liveness) open
none. Read-only operations (GET) run in autocommit mode: no BEGIN and no COMMIT round trip.
Writing operations run in exactly one transaction, which `finish` commits after the handler has
returned and its response has been serialized, and before anything is sent.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.errors import DomainError


class UnitOfWork:
    """One request's database work."""

    def __init__(self, database: Database, *, read_only: bool) -> None:
        self.database = database
        self.read_only = read_only
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The request's session, opened on first use."""
        if self._session is None:
            factory = self.database.reading if self.read_only else self.database.writing
            self._session = factory()
        return self._session

    async def finish(self, error: BaseException | None) -> None:
        """Commit when the request succeeded (or failed with a DomainError that `commits`),
        otherwise roll back; then release the connection. The only commit of a request."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            keep = error is None or (isinstance(error, DomainError) and error.commits)
            if keep and not self.read_only and session.in_transaction():
                await session.commit()
        finally:
            await session.close()
