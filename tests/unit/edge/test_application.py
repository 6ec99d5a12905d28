"""The application's ASGI layers: the user middleware, the exception handlers, the dispatch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config.settings import Settings
from app.contract.route_index import RouteIndex
from app.contract.runtime import UnitOfWorkRoute
from app.domain.exchange import exchange_of
from app.edge.application import Application, ExceptionHandlers, ExitStackRoute
from app.edge.middleware import EdgeMiddleware
from app.main import create_app


def _layers(app: ASGIApp) -> list[type]:
    layers = []
    while app is not None:
        layers.append(type(app))
        app = getattr(app, "app", None)
        if isinstance(app, Router):  # the router's own app is its default dispatch
            break
    return layers


def test_a_request_passes_only_the_services_layers_then_the_index() -> None:
    app = create_app()
    assert _layers(app.build_middleware_stack()) == [EdgeMiddleware, ExceptionHandlers, RouteIndex]


def test_proxy_headers_are_read_only_where_a_proxy_is_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    app = create_app(Settings())
    assert _layers(app.build_middleware_stack()) == [
        ProxyHeadersMiddleware,
        EdgeMiddleware,
        ExceptionHandlers,
        RouteIndex,
    ]


def test_fastapis_request_handler_has_its_exit_stack_and_bound_routes_go_without() -> None:
    app = create_app()
    routes = [route for route in app.router.routes if isinstance(route, APIRoute)]
    bound = [r for r in routes if isinstance(r, UnitOfWorkRoute) and r.bodyless is not None]
    others = [r for r in routes if r not in bound]
    assert bound
    assert {"/docs", "/api/v2/openapi.json"} <= {route.path for route in others}
    assert all(isinstance(route, ExitStackRoute) for route in routes)
    assert all(isinstance(route.app, AsyncExitStackMiddleware) for route in others)
    assert not any(isinstance(route.app, AsyncExitStackMiddleware) for route in bound)


class Echo(BaseModel):
    text: str


def _small_app() -> Application:
    app = Application()

    @app.post("/echo")
    async def echo(body: Echo) -> Echo:  # FastAPI's request handler: needs its exit stack
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise LookupError("not found here")

    async def on_lookup(request: Request, error: Exception) -> PlainTextResponse:
        return PlainTextResponse("handled", status_code=404)

    app.add_exception_handler(LookupError, on_lookup)
    return app


async def test_fastapis_own_routes_and_the_exception_handlers_still_answer() -> None:
    transport = httpx.ASGITransport(app=_small_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        echoed = await client.post("/echo", json={"text": "hi"})
        invalid = await client.post("/echo", json={})
        boom = await client.get("/boom")
        unknown = await client.get("/nowhere")
    assert (echoed.status_code, echoed.json()) == (200, {"text": "hi"})
    assert invalid.status_code == 422
    assert (boom.status_code, boom.text) == (404, "handled")
    assert unknown.status_code == 404


async def test_a_handler_of_last_resort_puts_starlettes_error_middleware_back_outermost() -> None:
    app = _small_app()

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("unexpected")

    async def last_resort(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"last": "resort"}, status_code=500)

    app.add_exception_handler(Exception, last_resort)

    class Passing:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
            await self.app(scope, receive, send)

    app.add_middleware(Passing)
    assert _layers(app.build_middleware_stack())[:3] == [
        ServerErrorMiddleware,
        Passing,
        ExceptionHandlers,
    ]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        crashed = await client.get("/crash")
    assert (crashed.status_code, crashed.json()) == (500, {"last": "resort"})


class Watching:
    """What the edge does for the exception handlers: the request's Exchange, its status noted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)

        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
            await send(message)

        await self.app(scope, receive, noting)


def _watched_app() -> Application:
    app = _small_app()

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(status_code=418)

    @app.get("/unhandled")
    async def unhandled() -> None:
        raise ArithmeticError("nobody handles this")

    async def on_http(request: Request, error: Exception) -> PlainTextResponse:
        return PlainTextResponse("any HTTP error", status_code=400)

    def on_418(request: Request, error: Exception) -> PlainTextResponse:  # a sync handler
        return PlainTextResponse("short and stout", status_code=418)

    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(418, on_418)
    app.add_middleware(Watching)
    return app


async def test_a_watched_request_gets_the_handler_starlette_would_choose() -> None:
    transport = httpx.ASGITransport(app=_watched_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        teapot = await client.get("/teapot")  # the status's handler before the class's
        missing = await client.get("/nowhere")  # the class's: an HTTPException of 404
        boom = await client.get("/boom")  # a subclass of the registered class: by its MRO
    assert (teapot.status_code, teapot.text) == (418, "short and stout")
    assert (missing.status_code, missing.text) == (400, "any HTTP error")
    assert (boom.status_code, boom.text) == (404, "handled")


async def test_a_watched_request_raises_what_no_handler_takes_or_comes_too_late() -> None:
    async def late(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise LookupError("after the start")

    async def on_lookup(request: Request, error: Exception) -> PlainTextResponse:
        return PlainTextResponse("handled", status_code=404)

    layer = Watching(ExceptionHandlers(late, handlers={LookupError: on_lookup}))
    unhandled = httpx.ASGITransport(app=_watched_app())
    async with (
        httpx.AsyncClient(transport=unhandled, base_url="http://t") as client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=layer), base_url="http://t") as other,
    ):
        with pytest.raises(ArithmeticError):
            await client.get("/unhandled")
        with pytest.raises(RuntimeError, match="response already started"):
            await other.get("/late")
