"""Routing by an index of path segments, instead of trying every route in turn.

Starlette's router tries each route's regular expression in order until one matches fully. With
both API versions served that is about 90 routes, and GET one site was the 44th: measured on that
request (PostgreSQL, in-process), trying them cost about 38 us of a 470 us request.

`RouteIndex` sits where the router's own dispatch is (`Router.middleware_stack`, the place
Starlette keeps for middleware around its routes) and asks only the routes whose path template
can match the request's path: same number of segments, same literal segments, a parameter where
the path has a non-empty segment (a mount: its literal path leading the request's). It looks
them up in a tree of segments (a few dict lookups), then asks those candidates, in the router's
order, exactly what the router would ask (`route.matches`), and handles the request the same
way: the first full match, else the first partial one (a known path with another method). A
route it cannot index (a mount with parameters, a `path` parameter, a segment mixing text and a
parameter) is a candidate of every request, in its place.
When no candidate matches, the router answers as it always does (its 404).

The index follows the router's routes: it is rebuilt when their number changes. FastAPI's own
telemetry (off in this service: app.main.NO_FASTAPI_TELEMETRY) is not told of the route chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette._utils import get_route_path  # what each route matches against
from starlette.convertors import PathConvertor
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send


@dataclass
class _Node:
    """The routes whose template ends here, and the segments that can follow."""

    routes: list[int] = field(default_factory=list)
    mounted: list[int] = field(default_factory=list)
    """Mounts at this path: candidates of every path at or below it."""
    literal: dict[str, _Node] = field(default_factory=dict)
    parameter: _Node | None = None


def _mount_segments(route: BaseRoute) -> list[str] | None:
    """A mount's literal path as segments; None for anything else, or a mount with parameters."""
    if not isinstance(route, Mount) or "{" in route.path:
        return None
    return route.path.split("/")[1:]


def _segments(route: BaseRoute) -> list[str | None] | None:
    """The route's template as segments (None: a parameter); None when it cannot be indexed."""
    if not isinstance(route, Route):
        return None
    if any(isinstance(c, PathConvertor) for c in route.param_convertors.values()):
        return None
    segments: list[str | None] = []
    for part in route.path_format.split("/")[1:]:
        if part.startswith("{") and part.endswith("}") and part.count("{") == 1:
            segments.append(None)
        elif "{" in part or "}" in part:
            return None
        else:
            segments.append(part)
    return segments


class RouteIndex:
    """The router's dispatch, asking only the routes a path can match (see the module)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.routes = router.routes
        self._indexed = -1
        self._root = _Node()
        self._everywhere: list[int] = []

    def _build(self) -> None:
        root, everywhere = _Node(), []
        for position, route in enumerate(self.routes):
            prefix = _mount_segments(route)
            if prefix is not None:
                node = root
                for literal in prefix:
                    node = node.literal.setdefault(literal, _Node())
                node.mounted.append(position)
                continue
            segments = _segments(route)
            if segments is None:
                everywhere.append(position)
                continue
            node = root
            for segment in segments:
                if segment is None:
                    node.parameter = node.parameter or _Node()
                    node = node.parameter
                else:
                    node = node.literal.setdefault(segment, _Node())
            node.routes.append(position)
        self._root, self._everywhere, self._indexed = root, everywhere, len(self.routes)

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes whose template can match the path, in the router's order."""
        if self._indexed != len(self.routes):
            self._build()
        nodes = [self._root]
        positions = list(self._root.mounted)
        for segment in path.split("/")[1:]:
            following = []
            for node in nodes:
                literal = node.literal.get(segment)
                if literal is not None:
                    following.append(literal)
                    positions += literal.mounted
                if node.parameter is not None and segment:
                    following.append(node.parameter)
            nodes = following
            if not nodes:
                break
        positions += [position for node in nodes for position in node.routes]
        if self._everywhere:
            positions += self._everywhere
        if len(positions) > 1:
            positions.sort()
        return [self.routes[position] for position in positions]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan (and websockets): the router's own dispatch
            await self.router.app(scope, receive, send)
            return
        scope.setdefault("router", self.router)
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            route, child_scope = partial
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        await self.router.app(scope, receive, send)  # no route: the router's own 404
