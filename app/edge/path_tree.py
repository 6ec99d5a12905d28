"""Path templates in a tree of segments: which templates can match a request path, found with a
few dict lookups instead of trying each template's regular expression in turn.

A template is a list of segments, each a literal or a parameter (None) that matches any
non-empty segment, as Starlette's `{name}` does; a mount matches its literal path and anything
below it; a template the tree cannot express is registered to be found everywhere. `find`
returns the values of every template that can match, in the order they were added: the caller
still asks each of them for the exact match (a convertor may refuse what its segment looks like).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Node(Generic[T]):
    """The templates ending here, the mounts here, and the segments that can follow."""

    ending: list[tuple[int, T]] = field(default_factory=list)
    mounted: list[tuple[int, T]] = field(default_factory=list)
    literal: dict[str, _Node[T]] = field(default_factory=dict)
    parameter: _Node[T] | None = None


def template_segments(template: str) -> list[str | None] | None:
    """`/a/{id}/b` -> ["a", None, "b"]; None when a segment mixes text and a parameter."""
    segments: list[str | None] = []
    for part in template.split("/")[1:]:
        if part.startswith("{") and part.endswith("}") and part.count("{") == 1:
            segments.append(None)
        elif "{" in part or "}" in part:
            return None
        else:
            segments.append(part)
    return segments


class PathTree(Generic[T]):
    """Templates (and mounts) by their segments; `find` gives those a path can match."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self._everywhere: list[tuple[int, T]] = []
        self._added = 0

    def _position(self) -> int:
        self._added += 1
        return self._added

    def add(self, segments: Sequence[str | None], value: T) -> None:
        """A template: its literal segments, None for each parameter."""
        node = self._root
        for segment in segments:
            if segment is None:
                node.parameter = node.parameter or _Node()
                node = node.parameter
            else:
                node = node.literal.setdefault(segment, _Node())
        node.ending.append((self._position(), value))

    def mount(self, prefix: Sequence[str], value: T) -> None:
        """A literal path matching itself and every path below it."""
        node = self._root
        for segment in prefix:
            node = node.literal.setdefault(segment, _Node())
        node.mounted.append((self._position(), value))

    def everywhere(self, value: T) -> None:
        """A template the tree cannot express: found for every path."""
        self._everywhere.append((self._position(), value))

    def find(self, path: str) -> list[T]:
        """The values of every template the path can match, in the order they were added."""
        segments = path.split("/")
        node: _Node[T] | None = self._root
        found = list(self._root.mounted)
        # While one node is alive (a segment is a literal of the tree or fills a parameter, not
        # both), walk it alone; where both could go on, follow every branch.
        for index in range(1, len(segments)):
            assert node is not None  # noqa: S101 - the loop breaks when none is alive
            segment = segments[index]
            literal = node.literal.get(segment)
            parameter = node.parameter if segment else None
            if literal is not None and parameter is not None:
                return self._find_all([node], segments, index, found)
            node = literal if literal is not None else parameter
            if node is None:
                break
            if literal is not None and literal.mounted:
                found += literal.mounted
        if node is not None:
            found += node.ending
        return self._values(found)

    def _find_all(
        self, nodes: list[_Node[T]], segments: list[str], start: int, found: list[tuple[int, T]]
    ) -> list[T]:
        """`find` from ``segments[start]`` on, following every branch alive."""
        for segment in segments[start:]:
            following = []
            for node in nodes:
                literal = node.literal.get(segment)
                if literal is not None:
                    following.append(literal)
                    found += literal.mounted
                if node.parameter is not None and segment:
                    following.append(node.parameter)
            nodes = following
            if not nodes:
                break
        for node in nodes:
            found += node.ending
        return self._values(found)

    def _values(self, found: list[tuple[int, T]]) -> list[T]:
        found += self._everywhere
        if len(found) > 1:
            found.sort(key=_first)
        return [value for _, value in found]


def _first(item: tuple[int, object]) -> int:
    return item[0]
