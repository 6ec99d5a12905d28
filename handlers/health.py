"""Health: getLiveness, getReadiness (database reachable and migrated, start-up tasks done),
getDependencies (database, and Redis when it holds the rate limits: optional, since limits fail
open)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from app.access.bootstrap import StartupTasks
from app.access.rate_limits import RateLimiter
from app.contract.runtime import RequestContext
from app.data.bounded_wait import within
from app.data.database import Database
from app.domain.errors import ServiceUnavailable
from app.observability.logs import describe_error
from generated.v2.models import HealthCheck, HealthReport, HealthStatus

Probe = Callable[[], Awaitable[str | None]]
"""Raises when the dependency is down; may return a detail worth reporting."""
FailureObserver = Callable[[str], None]
"""Told the name of each check that failed (the metrics: a probe reaches an unready pod when no
client does, so the database-unavailable alert hears of an outage from the probes)."""
logger = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A probe's verdict, worded for anyone to read (no driver text)."""


def ignore_failure(check: str) -> None:
    """The failure observer when metrics are off."""


async def run_check(
    name: str,
    probe: Probe,
    *,
    bound: float,
    request_id: str,
    failed: FailureObserver = ignore_failure,
) -> HealthCheck:
    """Run one probe within ``bound`` seconds, timing it; a failure becomes a failed check whose
    detail says only what failed (`unreachable`, `timed out`); the cause goes to the log."""
    started = time.perf_counter()
    try:
        detail = await within(probe(), bound)
        status = HealthStatus.pass_
    except Exception as exc:  # a probe failure is a result, not an error
        status = HealthStatus.fail
        if isinstance(exc, CheckFailed):
            detail = str(exc)
        elif isinstance(exc, TimeoutError):
            detail = f"timed out after {bound:g} s"
        else:
            detail = "unreachable"
        logger.warning(
            "health check %s failed (request %s): %s", name, request_id, describe_error(exc)
        )
        failed(name)
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
    """Implements generated.v2.protocols.HealthOperations. Each probe is bounded by
    ``probe_timeout`` and the probes of one report run concurrently, so a hung database gives a
    prompt 503 naming it."""

    def __init__(
        self,
        database: Database,
        expected_revision: str | None,
        known_revisions: frozenset[str],
        limiter: RateLimiter,
        probe_timeout: float,
        startup: StartupTasks,
        failed: FailureObserver = ignore_failure,
    ) -> None:
        self.database = database
        self.startup = startup
        self.failed = failed
        self.expected_revision = expected_revision
        self.known_revisions = known_revisions
        self.limiter = limiter
        self.probe_timeout = probe_timeout

    async def _checks(self, ctx: RequestContext, probes: dict[str, Probe]) -> list[HealthCheck]:
        return list(
            await asyncio.gather(
                *(
                    run_check(
                        name,
                        probe,
                        bound=self.probe_timeout,
                        request_id=ctx.request_id,
                        failed=self.failed,
                    )
                    for name, probe in probes.items()
                )
            )
        )

    async def _database(self) -> str | None:
        await self.database.ping()
        return None

    async def _migrations(self) -> str | None:
        current = await self.database.current_revision()
        if current == self.expected_revision:
            return f"at {current}"
        if current is not None and current not in self.known_revisions:
            # A later release's migration, applied while this release still serves: migrations
            # are expand-only until every instance runs the release that needs them, so this
            # release keeps working on that schema (docs/deployment.md, rolling migrations).
            return f"at {current}, newer than this release's {self.expected_revision}"
        raise CheckFailed(f"schema at {current}, this release expects {self.expected_revision}")

    async def _startup(self) -> str | None:
        if not self.startup.done:
            raise CheckFailed("start-up tasks pending (retrying)")
        return None

    async def get_liveness(self, ctx: RequestContext) -> HealthReport:
        return HealthReport(status=HealthStatus.pass_, checks=[])

    async def get_readiness(self, ctx: RequestContext) -> HealthReport:
        return report(
            await self._checks(
                ctx,
                {
                    "database": self._database,
                    "migrations": self._migrations,
                    "startup": self._startup,
                },
            )
        )

    async def _redis(self) -> str | None:
        await self.limiter.ping()
        return "rate-limit store"

    async def get_dependencies(self, ctx: RequestContext) -> HealthReport:
        probes: dict[str, Probe] = {"database": self._database}
        if self.limiter.enabled and self.limiter.uses_redis:
            probes["redis"] = self._redis
        return report(await self._checks(ctx, probes), optional=frozenset({"redis"}))
