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
`send` once more: measured with `make bench-instructions` (PostgreSQL, get one site), the three
dropped layers and the router's call cost 27,000 instructions of 819,000 per read. What
remains around the routes: the user middleware (app.main), then Starlette's ExceptionMiddleware
with the application's exception handlers (app.edge.problems), then the router's dispatch.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.routing import APIRoute
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp


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
        app: ASGIApp = ExceptionMiddleware(
            self.router.middleware_stack, handlers=handlers, debug=self.debug
        )
        for middleware in reversed(self.user_middleware):
            app = middleware.cls(app, *middleware.args, **middleware.kwargs)
        if error_handler is not None:  # a handler of last resort asked for: Starlette's place
            app = ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)
        return app
