"""Health: getLiveness, getReadiness (database reachable and migrated), getDependencies
(database, and Redis when it holds the rate limits: optional, since limits fail open)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from app.api_runtime import RequestContext
from app.db import Database
from app.errors import ServiceUnavailable
from app.rate_limits import RateLimiter
from generated.models import HealthCheck, HealthReport, HealthStatus

Probe = Callable[[], Awaitable[str | None]]
"""Raises when the dependency is down; may return a detail worth reporting."""


async def run_check(name: str, probe: Probe) -> HealthCheck:
    """Run one probe, timing it and turning any failure into a failed check."""
    started = time.perf_counter()
    try:
        detail = await probe()
        status = HealthStatus.pass_
    except Exception as exc:  # a probe failure is a result, not an error
        detail, status = f"{type(exc).__name__}: {exc}"[:300], HealthStatus.fail
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return HealthCheck(name=name, status=status, latency_ms=latency_ms, detail=detail)


def report(checks: list[HealthCheck], optional: frozenset[str] = frozenset()) -> HealthReport:
    """The report: 503 naming the failed checks when an essential one failed, `warn` when only
    optional ones (the service answers without them) failed."""
    failed = [check.name for check in checks if check.status is HealthStatus.fail]
    if any(name not in optional for name in failed):
        raise ServiceUnavailable(
            "Unavailable: " + ", ".join(failed) + ".",
            code="dependency_unavailable",
            extra={"checks": [check.model_dump(mode="json") for check in checks]},
        )
    return HealthReport(status=HealthStatus.warn if failed else HealthStatus.pass_, checks=checks)


class HealthHandlers:
    """Implements generated.protocols.HealthOperations."""

    def __init__(
        self, database: Database, expected_revision: str | None, limiter: RateLimiter
    ) -> None:
        self.database = database
        self.expected_revision = expected_revision
        self.limiter = limiter

    async def _database(self) -> str | None:
        await self.database.ping()
        return None

    async def _migrations(self) -> str | None:
        current = await self.database.current_revision()
        if current != self.expected_revision:
            raise RuntimeError(f"schema at {current}, expected {self.expected_revision}")
        return f"at {current}"

    async def get_liveness(self, ctx: RequestContext) -> HealthReport:
        return HealthReport(status=HealthStatus.pass_, checks=[])

    async def get_readiness(self, ctx: RequestContext) -> HealthReport:
        return report(
            [
                await run_check("database", self._database),
                await run_check("migrations", self._migrations),
            ]
        )

    async def _redis(self) -> str | None:
        await self.limiter.ping()
        return "rate-limit store"

    async def get_dependencies(self, ctx: RequestContext) -> HealthReport:
        checks = [await run_check("database", self._database)]
        if self.limiter.enabled and self.limiter.uses_redis:
            checks.append(await run_check("redis", self._redis))
        return report(checks, optional=frozenset({"redis"}))
