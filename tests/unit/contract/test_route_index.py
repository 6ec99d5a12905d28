"""app.contract.route_index chooses the route the router's own scan would choose, asking fewer."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Mount, Route

from app.contract.route_index import RouteIndex

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _choose(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """The router's choice among routes: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _scan(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """What the router itself chooses: every route asked in turn."""
    return _choose(routes, scope)


def _indexed(index: RouteIndex, scope: dict[str, Any]) -> BaseRoute | None:
    """What the index chooses: only its candidates asked."""
    return _choose(index.candidates(scope["path"]), scope)


def _paths(routes: list[BaseRoute]) -> list[str]:
    """Each template filled in, and near misses: a trailing slash, an extra or a missing segment,
    an empty parameter, a literal where a parameter goes."""
    some_id = str(uuid.uuid4())
    paths = {"/", "", "/api", "/api/v1", "/api/v3/users", "/health", "//", "/docs/"}
    for route in routes:
        template = getattr(route, "path_format", None)
        if template is None:
            continue
        filled = template
        for name in getattr(route, "param_convertors", {}):
            filled = filled.replace("{" + name + "}", some_id)
        paths |= {
            filled,
            filled + "/",
            filled + "/extra",
            filled.rsplit("/", 1)[0],
            template.replace("{", "").replace("}", ""),
            filled.replace(some_id, ""),
            filled.replace(some_id, "me"),
            filled.replace(some_id, "not-a-uuid"),
        }
    return sorted(paths)


async def test_the_index_chooses_what_the_scan_chooses_on_every_served_path(app: FastAPI) -> None:
    routes = app.router.routes
    index = RouteIndex(app.router)
    checked = 0
    for path in _paths(routes):
        for method in METHODS:
            scope = _scope(method, path)
            assert _indexed(index, scope) is _scan(routes, scope), (method, path)
            checked += 1
    assert checked > 1000


async def test_a_served_read_asks_only_its_own_templates(app: FastAPI) -> None:
    index = RouteIndex(app.router)
    path = f"/api/v2/organizations/{uuid.uuid4()}/sites/{uuid.uuid4()}"
    asked = index.candidates(path)
    assert len(asked) == 3  # the site's GET, PATCH and DELETE
    assert {getattr(r, "path_format", None) for r in asked} == {
        "/api/v2/organizations/{org_id}/sites/{site_id}"
    }


def _endpoint(request: Any) -> Any:  # pragma: no cover - never called
    raise AssertionError


def test_routes_it_cannot_index_are_asked_everywhere_in_their_place() -> None:
    app = FastAPI()
    router = app.router
    router.routes.append(Route("/files/{rest:path}", _endpoint))
    router.routes.append(Route("/a/{name}.json", _endpoint))
    router.routes.append(Mount("/static/{kind}", routes=[]))
    router.routes.append(Route("/a/{name}", _endpoint))
    router.routes.append(Mount("/a", routes=[]))
    index = RouteIndex(router)
    asked = [getattr(r, "path", None) for r in index.candidates("/a/b")]
    assert asked[-5:] == [
        "/files/{rest:path}",
        "/a/{name}.json",
        "/static/{kind}",
        "/a/{name}",
        "/a",
    ]
    assert "/a" not in [getattr(r, "path", None) for r in index.candidates("/b/c")]
    for path in ("/files/x/y", "/a/b.json", "/static/x/y", "/a/b", "/a/b/c", "/a", "/a/"):
        scope = _scope("GET", path)
        assert _indexed(index, scope) is _scan(router.routes, scope), path


def test_a_route_added_later_is_indexed() -> None:
    app = FastAPI()
    index = RouteIndex(app.router)
    assert [r for r in index.candidates("/late/1") if isinstance(r, Route)] == []
    app.router.routes.append(Route("/late/{n:int}", _endpoint))
    assert [getattr(r, "path", None) for r in index.candidates("/late/1")] == ["/late/{n:int}"]
