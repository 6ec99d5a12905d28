"""The FastAPI application with only the ASGI layers the service uses around its routes.

FastAPI wraps the user middleware in Starlette's ServerErrorMiddleware and its own exception
telemetry, and puts its AsyncExitStackMiddleware and the router's own call between them and the
routes. Here none of them does anything a request needs:

- ServerErrorMiddleware answers a plain-text 500 to an exception that escapes every other layer
  and raises it again; the edge (app.edge.middleware) already answers any exception of the app as
  a problem, and for one of the edge itself uvicorn sends the same plain-text 500 and logs it;
- FastAPI's exception telemetry is off (app.main.NO_FASTAPI_TELEMETRY);
- the AsyncExitStack of AsyncExitStackMiddleware, kept "for closing files" of uploads, is one
  FastAPI's request handler asserts is there: `ExitStackRoute` opens it around the routes that
  handler serves, and the routes that bind their own parameters (app.contract.parameters) go
  without;
- the router's call only records itself in the scope before its dispatch, which
  app.contract.route_index does as well.

Each layer is a coroutine call more per request, and the first and the exception middleware wrap
`send` once more: counted with callgrind as `make bench-instructions` counts (PostgreSQL, get one
site, PYTHONHASHSEED=0), the three dropped layers and the router's call cost 21,000 instructions
of 821,000 per read. What remains around the routes: the user middleware (app.main), then the
application's exception handlers (app.edge.problems) in `ExceptionHandlers`, then the router's
dispatch.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.routing import APIRoute
from starlette._exception_handler import _lookup_exception_handler
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.domain.exchange import EXCHANGE_KEY, Exchange


class ExceptionHandlers(ExceptionMiddleware):
    """Starlette's ExceptionMiddleware, serving an HTTP request the edge watches in one coroutine.

    Starlette's wraps every request in a Request, a closure and a `send` of its own that notes
    whether the response has started; the edge's Exchange (app.domain.exchange) notes it
    already, so here the app is called as it is and the Request is built only for a handler.
    The handlers are chosen as Starlette chooses them (an HTTPException's status first, then the
    exception's classes in order), and a request the edge does not watch (no Exchange: an app
    without EdgeMiddleware) or a WebSocket goes through Starlette's own code. Measured with
    callgrind (PostgreSQL, get one site, as `make bench-instructions` counts): 11,000
    instructions fewer per read, of 782,000.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange: Exchange | None = scope.get(EXCHANGE_KEY)
        if exchange is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope["starlette.exception_handlers"] = (self._exception_handlers, self._status_handlers)
        try:
            await self.app(scope, receive, send)
        except Exception as error:
            handler = None
            if isinstance(error, HTTPException):
                handler = self._status_handlers.get(error.status_code)
            if handler is None:
                handler = _lookup_exception_handler(self._exception_handlers, error)
            if handler is None:
                raise
            if exchange.started:
                raise RuntimeError(
                    "Caught handled exception, but response already started."
                ) from error
            request = Request(scope, receive, send)
            if is_async_callable(handler):
                response = await handler(request, error)  # type: ignore[arg-type]
            else:
                response = await run_in_threadpool(handler, request, error)
            if response is not None:
                await response(scope, receive, send)
            error.__traceback__ = None  # reused exception instances gather tracebacks otherwise


class ExitStackRoute(APIRoute):
    """A route whose requests FastAPI's request handler serves, in the exit stack it asserts
    (the one AsyncExitStackMiddleware would open around every request)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = AsyncExitStackMiddleware(self.app)


class Application(FastAPI):
    """FastAPI, served through the user middleware, the exception handlers and the router's
    dispatch only (see the module); its routes are ExitStackRoutes unless they say otherwise."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.router.route_class = ExitStackRoute

    def build_middleware_stack(self) -> ASGIApp:
        handlers: dict[Any, Any] = {}
        error_handler = None
        for key, handler in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = handler
            else:
                handlers[key] = handler
        app: ASGIApp = ExceptionHandlers(
            self.router.middleware_stack, handlers=handlers, debug=self.debug
        )
        for middleware in reversed(self.user_middleware):
            app = middleware.cls(app, *middleware.args, **middleware.kwargs)
        if error_handler is not None:  # a handler of last resort asked for: Starlette's place
            app = ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)
        return app
