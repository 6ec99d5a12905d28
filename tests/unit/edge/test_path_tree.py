"""app.edge.path_tree finds what trying every template's regular expression finds."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.routing import compile_path

from app.contract.runtime import UnitOfWorkRoute
from app.edge.allowed_methods import AllowedMethods
from app.edge.path_tree import PathTree, template_segments


def test_template_segments() -> None:
    assert template_segments("/a/{id}/b") == ["a", None, "b"]
    assert template_segments("/") == [""]
    assert template_segments("/a/{name}.json") is None


def test_a_parameter_matches_any_non_empty_segment_and_literals_match_exactly() -> None:
    tree: PathTree[str] = PathTree()
    tree.add(["users", None], "one user")
    tree.add(["users", "me"], "me")
    tree.mount(["static"], "files")
    tree.everywhere("anything")
    assert tree.find("/users/me") == ["one user", "me", "anything"]
    assert tree.find("/users/42") == ["one user", "anything"]
    assert tree.find("/users/") == ["anything"]
    assert tree.find("/users/me/x") == ["anything"]
    assert tree.find("/static/a/b") == ["files", "anything"]
    assert tree.find("/other") == ["anything"]


def _regex_oracle(app_templates: dict[str, frozenset[str]], path: str) -> frozenset[str] | None:
    """AllowedMethods as it was: fewest parameters first, the first regex that matches."""
    ordered = sorted(app_templates.items(), key=lambda item: item[0].count("{"))
    for template, methods in ordered:
        if compile_path(template)[0].match(path):
            return methods
    return None


@pytest.mark.parametrize("some_id", ["b1ee9726-534c-4e8d-a6d9-e104c3caab93", "me", "x"])
def test_allowed_methods_agree_with_trying_every_template(app: FastAPI, some_id: str) -> None:
    operations = [r.operation for r in app.router.routes if isinstance(r, UnitOfWorkRoute)]
    templates: dict[str, set[str]] = {}
    for operation in operations:
        templates.setdefault(operation.path, set()).add(operation.method)
    frozen = {path: frozenset(methods) for path, methods in templates.items()}
    allowed = AllowedMethods(operations)
    paths = {p.replace("{", "").replace("}", "") for p in frozen}
    for template in frozen:
        filled = template
        while "{" in filled:
            start, end = filled.index("{"), filled.index("}")
            filled = filled[:start] + some_id + filled[end + 1 :]
        paths |= {filled, filled + "/", filled + "/x", filled.rsplit("/", 1)[0]}
    for path in sorted(paths):
        assert allowed(path) == _regex_oracle(frozen, path), path
