"""Routing by an index of path segments, instead of trying every route in turn.

Starlette's router tries each route's regular expression in order until one matches fully. With
both API versions served that is about 90 routes, and GET one site was the 44th: measured on that
request (PostgreSQL, in-process), trying them cost about 38 us of a 470 us request.

`RouteIndex` sits where the router's own dispatch is (`Router.middleware_stack`, the place
Starlette keeps for middleware around its routes) and asks only the routes whose path template
can match the request's path: same number of segments, same literal segments, a parameter where
the path has a non-empty segment (a mount: its literal path leading the request's). It looks
them up in a tree of segments (app.edge.path_tree: a few dict lookups), then asks those
candidates, in the router's order, exactly what the router would ask (`route.matches`), and
handles the request the same way: the first full match, else the first partial one (a known path
with another method). A route it cannot index (a mount with parameters, a `path` parameter, a
segment mixing text and a parameter) is a candidate of every request, in its place.
When no candidate matches, the router answers as it always does (its 404).

The index follows the router's routes: it is rebuilt when their number changes. FastAPI's own
telemetry (off in this service: app.main.NO_FASTAPI_TELEMETRY) is not told of the route chosen.
"""

from __future__ import annotations

from starlette._utils import get_route_path  # what each route matches against
from starlette.convertors import PathConvertor
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from app.edge.path_tree import PathTree, template_segments


def _tree(routes: list[BaseRoute]) -> PathTree[BaseRoute]:
    """The routes by their path templates (see the module)."""
    tree: PathTree[BaseRoute] = PathTree()
    for route in routes:
        if isinstance(route, Mount) and "{" not in route.path:
            tree.mount(route.path.split("/")[1:], route)
            continue
        segments = None
        if isinstance(route, Route) and not any(
            isinstance(convertor, PathConvertor) for convertor in route.param_convertors.values()
        ):
            segments = template_segments(route.path_format)
        if segments is None:
            tree.everywhere(route)
        else:
            tree.add(segments, route)
    return tree


class RouteIndex:
    """The router's dispatch, asking only the routes a path can match (see the module)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.routes = router.routes
        self._indexed = -1
        self._tree: PathTree[BaseRoute] = PathTree()

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes whose template can match the path, in the router's order."""
        if self._indexed != len(self.routes):
            self._tree, self._indexed = _tree(self.routes), len(self.routes)
        return self._tree.find(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan (and websockets): the router's own dispatch
            await self.router.app(scope, receive, send)
            return
        scope.setdefault("router", self.router)
        candidates = self.candidates(get_route_path(scope))
        method = scope["method"]
        # A route serving other methods can match only partly: it is asked only when no route
        # matches fully (a known path with another method), so the first full match in the
        # router's order is found with one regular expression per template, not one per method.
        other_methods = []
        for route in candidates:
            methods = getattr(route, "methods", None)
            if methods and method not in methods:
                other_methods.append(route)
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        for route in other_methods:
            match, child_scope = route.matches(scope)
            if match is Match.PARTIAL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await self.router.app(scope, receive, send)  # no route: the router's own 404
