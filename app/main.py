"""The application factory: settings -> database -> handlers bound to generated routers.

`app` is the ASGI application uvicorn serves (`uvicorn app.main:app`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import TracerProvider
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.access.bootstrap import StartupTasks
from app.access.passwords import PasswordHasher
from app.access.rate_limits import RateLimiter
from app.access.tokens import TokenService
from app.config.collector import settle_collector
from app.config.settings import Settings, get_settings
from app.contract.route_index import RouteIndex
from app.contract.versions.deprecation import deprecation_headers
from app.contract.versions.serving import bind_versions
from app.contract.versions.validation_pointers import ERROR_SHAPE as V1_ERROR_SHAPE
from app.data.bounded_wait import settle
from app.data.database import Database
from app.data.migrations import head_revision, known_revisions
from app.data.sweeper import IdempotencySweeper
from app.domain.validators import accept_every_syntactically_valid_domain
from app.edge.allowed_methods import AllowedMethods
from app.edge.application import Application
from app.edge.cors import CorsMiddleware
from app.edge.docs import install_docs
from app.edge.metrics_endpoint import install_metrics_endpoint
from app.edge.middleware import EdgeMiddleware
from app.edge.problems import OLDER_ERROR_SHAPES, install_problem_handlers
from app.observability.build import VERSION, revision
from app.observability.logs import configure_logging
from app.observability.metrics import Metrics
from app.observability.telemetry import RequestTelemetry
from app.observability.tracing import tracer_provider_from_environment
from app.observability.tracing_db import trace_queries
from app.observability.tracing_http import TracingMiddleware
from generated.v2.protocols import HandlerSet
from handlers.auth import AuthHandlers
from handlers.health import HealthHandlers, ignore_failure
from handlers.members import MemberHandlers
from handlers.organizations import OrganizationHandlers
from handlers.sites import SiteHandlers
from handlers.users import UserHandlers

logger = logging.getLogger(__name__)
ABANDONED_GRACE_SECONDS = 5
"""At shutdown, how long requests cut off by their deadline may take to wind down."""
NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "auto_configure": False,
}
"""FastAPI's own OpenTelemetry stays off whatever global provider or FASTAPI_OTEL_AUTO_CONFIGURE
says: requests are traced by app.observability.tracing_http, which never records the raw path or the
query string (FastAPI's spans would, beside ours, and its logs would carry exception messages)."""


def implementations(
    settings: Settings,
    database: Database,
    tokens: TokenService,
    passwords: PasswordHasher,
    limiter: RateLimiter,
    startup: StartupTasks,
    metrics: Metrics | None,
) -> HandlerSet:
    """The handler object serving each tag of the newest spec (v2); mypy checks each against its
    Protocol. Older versions are served by the same objects through their changes
    (app.contract.versions)."""
    # Health probes answer well within the request deadline, so a hung database is named in a
    # 503 of the health schema rather than cut off by the deadline.
    probe_timeout = min(settings.DB_STATEMENT_TIMEOUT_SECONDS, settings.REQUEST_TIMEOUT_SECONDS / 2)
    return HandlerSet(
        auth=AuthHandlers(tokens, passwords),
        health=HealthHandlers(
            database,
            head_revision(),
            known_revisions(),
            limiter,
            probe_timeout,
            startup,
            metrics.check_failed if metrics else ignore_failure,
        ),
        members=MemberHandlers(),
        organizations=OrganizationHandlers(),
        sites=SiteHandlers(),
        users=UserHandlers(passwords),
    )


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """Build the service; fails fast when a handler is missing or disagrees with the spec.

    Traced with ``tracer_provider`` when given (its owner shuts it down), else as the OTEL_*
    variables say (app.observability.tracing; off by default).
    """
    settings = settings or get_settings()
    own_provider = tracer_provider_from_environment(VERSION) if tracer_provider is None else None
    if own_provider is not None:
        tracer_provider = own_provider
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    accept_every_syntactically_valid_domain()
    metrics = (
        Metrics(
            version=VERSION,
            revision=revision(settings.BUILD_REVISION),
            directory=settings.PROMETHEUS_MULTIPROC_DIR,
        )
        if settings.METRICS_ENABLED
        else None
    )
    database = Database(settings, metrics)
    tokens = TokenService(settings)
    passwords = PasswordHasher(settings)
    limiter = RateLimiter(settings)
    startup = StartupTasks(database, settings, passwords)
    sweeper = IdempotencySweeper(database, settings.IDEMPOTENCY_KEY_TTL_HOURS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await startup.start()  # retried in the background: a database down leaves us unready
        if metrics is not None:
            metrics.start()
        settle_collector()  # what start-up loaded frozen; young objects collected less often
        sweeper.start()
        yield
        await startup.stop()
        await sweeper.stop()
        await settle(ABANDONED_GRACE_SECONDS)
        await limiter.close()
        await database.dispose()
        logger.info("database connections closed")
        if metrics is not None:
            await metrics.stop()
        if own_provider is not None:
            await asyncio.to_thread(own_provider.shutdown)  # exports the spans still queued

    app = Application(
        title="Orgsites API",
        version=VERSION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # No redirect to the slash-less path: Starlette builds its Location from the Host header,
        # so a forged Host sent clients (and a POST's body) elsewhere. A trailing slash is an
        # unknown path: the 404 problem.
        redirect_slashes=False,
        lifespan=lifespan,
        telemetry=NO_FASTAPI_TELEMETRY,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.tokens = tokens
    app.state.passwords = passwords
    app.state.rate_limiter = limiter
    app.state.startup = startup
    app.state.idempotency_sweeper = sweeper
    app.state.metrics = metrics
    served = bind_versions(
        app.router,
        implementations(settings, database, tokens, passwords, limiter, startup, metrics),
    )
    OLDER_ERROR_SHAPES[1] = V1_ERROR_SHAPE
    install_docs(app)
    if metrics is not None:
        token = settings.METRICS_TOKEN.get_secret_value() if settings.METRICS_TOKEN else None
        install_metrics_endpoint(app, metrics, token)
    install_problem_handlers(app)
    app.router.middleware_stack = RouteIndex(app.router)
    # A request passes ProxyHeaders (the real client; X-Forwarded-For believed only from
    # FORWARDED_ALLOW_IPS, so serve with `uvicorn --no-proxy-headers`; not installed when that
    # trusts nobody, where it would only pass every request on) -> Edge (request id, API
    # version, size caps, 405 from the spec, the request deadline, response headers, last-resort
    # 500, then the request's metrics and log line) -> CORS (when origins are set) -> routes.
    if settings.cors_origins:
        app.add_middleware(CorsMiddleware, origins=settings.cors_origins)
    app.add_middleware(
        EdgeMiddleware,
        allowed_methods=AllowedMethods(served),
        deadline_seconds=settings.REQUEST_TIMEOUT_SECONDS,
        telemetry=RequestTelemetry(metrics),
        cors_enabled=bool(settings.cors_origins),
        constant_paths=frozenset(op.path for op in served if op.operation_id == "getLiveness"),
        version_headers={1: deprecation_headers(settings.API_V1_SUNSET)},
    )
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if tracer_provider is not None:  # tracing on: its span is outermost, around all of the above
        database.query_spans = trace_queries(database.engine, tracer_provider)
        app.add_middleware(TracingMiddleware, tracer_provider=tracer_provider)
    return app


app = create_app()
