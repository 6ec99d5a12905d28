"""The application factory: settings -> database -> handlers bound to generated routers.

`app` is the ASGI application uvicorn serves (`uvicorn app.main:app`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.allowed_methods import AllowedMethods, MethodNotAllowedMiddleware
from app.binding import bind_routers
from app.bootstrap import ensure_first_superuser
from app.db import Database
from app.docs import install_docs
from app.middleware import RequestContextMiddleware
from app.migrations import head_revision
from app.problems import install_problem_handlers
from app.rate_limits import RateLimiter
from app.settings import Settings, get_settings
from app.tokens import TokenService
from generated.operations import OPERATIONS
from generated.protocols import HandlerSet
from handlers.auth import AuthHandlers
from handlers.health import HealthHandlers
from handlers.members import MemberHandlers
from handlers.organizations import OrganizationHandlers
from handlers.sites import SiteHandlers
from handlers.users import UserHandlers

logger = logging.getLogger(__name__)


def implementations(database: Database, tokens: TokenService, limiter: RateLimiter) -> HandlerSet:
    """The handler object serving each tag of the spec; mypy checks each against its Protocol."""
    return HandlerSet(
        auth=AuthHandlers(tokens),
        health=HealthHandlers(database, head_revision(), limiter),
        members=MemberHandlers(),
        organizations=OrganizationHandlers(),
        sites=SiteHandlers(),
        users=UserHandlers(),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; fails fast when a handler is missing or disagrees with the spec."""
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    database = Database(settings)
    tokens = TokenService(settings)
    limiter = RateLimiter(settings)
    routers = bind_routers(implementations(database, tokens, limiter), OPERATIONS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_first_superuser(database, settings)
        yield
        limiter.close()
        await database.dispose()
        logger.info("database connections closed")

    app = FastAPI(
        title="Orgsites API",
        version="1.0.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.tokens = tokens
    app.state.rate_limiter = limiter
    for router in routers:
        app.include_router(router)
    install_docs(app)
    install_problem_handlers(app)
    app.add_middleware(
        MethodNotAllowedMiddleware, allowed_methods=AllowedMethods(OPERATIONS.values())
    )
    app.add_middleware(RequestContextMiddleware)
    # Outermost, so everything sees the real client; X-Forwarded-For is believed only from
    # FORWARDED_ALLOW_IPS (serve with `uvicorn --no-proxy-headers` so uvicorn does not apply
    # its own default, which trusts 127.0.0.1).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


app = create_app()
