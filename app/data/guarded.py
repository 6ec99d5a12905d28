"""One round trip per authenticated read: the caller check joined to the read's first statement.

A read-only request's guard (app.contract.authorization) does not run the caller query on its
own: it leaves a `CallerCheck` pending on the unit of work. The first statement the handler's
repository reads through the unit of work's reader is then sent as one statement with it:

    WITH caller AS (<the caller's live session, user and role: one row or none>)
    SELECT caller.*, resource.* FROM caller
      LEFT OUTER JOIN (<the repository's statement>, 1 AS guarded_row) AS resource
        ON <the permission predicate over caller's columns>
     ORDER BY <the statement's own order, on resource's columns>

So the resource's columns are NULL for a caller the permission does not admit (and the statement
yields no row at all without a live session): a refused caller's data never leaves the database.
`GuardedReader` hands the caller's columns to the check's `admit` (the guard's one decision:
401, 404 before 403, or the caller admitted), which raises for a refused caller before the
handler sees any row, then returns the resource's rows as the plain statement would have.

The predicate is derived from the same decision function (app.domain.rbac.holds) the guard
uses: superadmins, every caller for a permission every signed-in user holds, the roles that hold
it, and the caller's own id for `x-allow-self`. Combined statements are built once per statement
and check shape, so each is compiled and prepared once (app.data.reading).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    UnaryExpression,
    bindparam,
    literal_column,
    select,
    true,
)
from sqlalchemy.sql import Executable, operators

from app.data.reading import Reader, Row, Table
from app.domain.rbac import Permission, Role, holds

PRESENT = "guarded_row"
"""The column that marks a row of the resource (NULL in the caller's row without one)."""
SELF_PARAMETER = "caller_self_target"
"""The bound path parameter an `x-allow-self` operation compares with the caller's id."""


@dataclass(frozen=True)
class Grant:
    """Who holds a permission, as the guarded statement's predicate needs it."""

    anyone: bool
    """Every signed-in caller holds it."""
    roles: tuple[str, ...]
    """The organization roles that hold it (superadmins always do)."""
    allow_self: bool
    """Also the caller whose id the path names (`x-allow-self`), bound as SELF_PARAMETER."""


@functools.cache
def grant_of(permission: Permission, *, allow_self: bool) -> Grant:
    """Who holds the permission, derived from app.domain.rbac.holds (the guard's own decision)."""
    anyone = holds(permission, is_superadmin=False, role=None)
    roles = tuple(role.value for role in Role if holds(permission, is_superadmin=False, role=role))
    return Grant(anyone, roles, allow_self)


@dataclass(frozen=True)
class CallerCheck:
    """A caller check left pending by the guard: the caller query (one row for a live session
    of an active user, none otherwise; its columns include caller_user_id,
    caller_is_superadmin and caller_role, app.data.repositories.login_sessions.CALLER_CHECK),
    its parameters (and the allow-self target's), who is granted, and the guard's decision on
    the caller's row (raises for a refused caller; None: no live session)."""

    query: Select[Any]
    params: Mapping[str, Any]
    grant: Grant
    admit: Callable[[Row | None], None]


def _predicate(caller: Any, grant: Grant) -> ColumnElement[bool]:
    if grant.anyone:
        return true()
    granted: ColumnElement[bool] = caller.c.caller_is_superadmin.is_(True)
    for role in grant.roles:  # not IN: an expanding parameter is rendered per execution
        granted = granted | (caller.c.caller_role == role)
    if grant.allow_self:
        target = bindparam(SELF_PARAMETER, type_=caller.c.caller_user_id.type)
        granted = granted | (caller.c.caller_user_id == target)
    return granted


def _same_order(statement: Select[Any], resource: Any) -> list[ColumnElement[Any]]:
    """The statement's ORDER BY, on the subquery's columns: a join keeps no order of its own."""
    order = []
    for clause in statement._order_by_clauses:  # no public accessor in SQLAlchemy 2
        element, descending = clause, False
        if isinstance(clause, UnaryExpression) and clause.modifier in (
            operators.desc_op,
            operators.asc_op,
        ):
            element, descending = clause.element, clause.modifier is operators.desc_op
        column = resource.corresponding_column(element)
        if column is None:
            raise ValueError(f"the statement's order {clause} is not one of its columns")
        order.append(column.desc() if descending else column.asc())
    return order


@dataclass(frozen=True)
class Guarded:
    """A statement combined with a caller check, and the columns to take off its rows."""

    statement: Select[Any]
    callers: int
    """How many columns the caller's are: they come first, then the statement's, then PRESENT."""


_built: dict[tuple[Executable, Select[Any], Grant], Guarded] = {}
"""Combined statements, by statement, caller query and grant: statements are built once, so
this stays small."""


def guarded(statement: Executable, caller_query: Select[Any], grant: Grant) -> Guarded:
    """The statement joined to the caller query on the grant's predicate (see the module)."""
    key = (statement, caller_query, grant)
    built = _built.get(key)
    if built is None:
        if not isinstance(statement, Select):
            raise TypeError(f"only a SELECT can carry the caller check: {statement}")
        query = cast(Select[Any], statement)
        # Computed once (PostgreSQL would inline it, and look the role up again for every row
        # the join's predicate is evaluated on).
        caller = caller_query.cte("caller").prefix_with("MATERIALIZED", dialect="postgresql")
        resource = query.add_columns(literal_column("1").label(PRESENT)).subquery("resource")
        combined = (
            select(*caller.c, *resource.c)
            .select_from(caller.outerjoin(resource, _predicate(caller, grant)))
            .order_by(*_same_order(query, resource))
        )
        built = _built[key] = Guarded(combined, len(caller.c))
    return built


@dataclass
class GuardedReader:
    """A reader whose first statement carries the pending caller check; later ones run plain.
    ``take`` hands over the pending check once (None when it was already run)."""

    reader: Reader
    take: Callable[[], CallerCheck | None]

    async def table(self, statement: Executable, params: Mapping[str, Any]) -> Table:
        """The statement's column labels and rows, the pending check carried by the first:
        the caller's columns go to the check (which raises for a refused caller) and never
        into a row; rows without the resource (a refused caller's) are dropped."""
        check = self.take()
        if check is None:
            return await self.reader.table(statement, params)
        combined = guarded(statement, check.query, check.grant)
        keys, rows = await self.reader.table(combined.statement, {**params, **check.params})
        callers = combined.callers
        check.admit(dict(zip(keys[:callers], rows[0][:callers], strict=True)) if rows else None)
        return keys[callers:-1], [row[callers:-1] for row in rows if row[-1] is not None]

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
        """Every row of the statement."""
        keys, found = await self.table(statement, params)
        return [dict(zip(keys, row, strict=True)) for row in found]

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        keys, found = await self.table(statement, params)
        return dict(zip(keys, found[0], strict=True)) if found else None

    async def scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        _, found = await self.table(statement, params)
        return found[0][0] if found else None


async def check_alone(reader: Reader, check: CallerCheck) -> None:
    """Run a pending check on its own (the handler read nothing, or failed before reading)."""
    params = {name: value for name, value in check.params.items() if name != SELF_PARAMETER}
    check.admit(await reader.first(check.query, params))
