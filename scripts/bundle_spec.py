"""Bundle the hand-written, multi-file spec under openapi/ into one document.

Two documents are bundled: v1 from openapi/openapi.yaml (openapi/paths, openapi/components) and
v2 from openapi/v2/openapi.yaml. A later version names only what it changes: its own component
files (openapi/v2/components/<kind>/<file>.yaml) override the earlier version's components of the
same kind and name, wherever they are referenced from (its own files or the earlier version's
path files it shares by $ref); every other component is taken from the earlier version when
referenced. So a shared path file that refers to `Problem` gets v2's Problem in the v2 bundle.

Rules: a $ref to `components/<kind>/<file>.yaml#/<Name>` becomes `#/components/<kind>/<Name>`
and the named object joins the bundle's components; any other external $ref (into paths/*.yaml)
is inlined. Inside a component file, `#/<Name>` means a name in that same file; inside a paths
file, `#/...` is inlined from that same file; in the root document it is kept. Every named
object of every component file is included, in a fixed order, so the output is deterministic.
An operation's `x-responses: <set>` is replaced by the responses of that set in
openapi/response-sets.yaml (see expand_response_sets), and a root document's `x-deprecated: true`
(a whole version deprecated, v1 since v2) marks each of its operations `deprecated: true` (path
files shared with a newer version stay unmarked there), and a root document's `x-if-match:
required` is set on each of its PATCH and DELETE operations that take If-Match (v2), so the
bundle is plain OpenAPI with per-operation extensions. A later version's response-sets.yaml
replaces the earlier's sets of the same name only.

    python scripts/bundle_spec.py --out-dir generated   # writes openapi.yaml and openapi.json
    python scripts/bundle_spec.py --check               # validates the bundle as OpenAPI 3

It only bundles and validates: the house conventions are Spectral's (.spectral.yaml, `make
spec-lint`), what the code must agree with is the start-up binding's (app.contract.binding); see
docs/architecture.md, "Spec conventions".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_ROOT = ROOT / "openapi" / "openapi.yaml"
VERSION_ROOTS = {1: SPEC_ROOT, 2: ROOT / "openapi" / "v2" / "openapi.yaml"}
"""Each served version's root document; a version under openapi/v<n>/ builds on openapi/."""
RESPONSE_SETS = "response-sets.yaml"
"""Beside the root document: named sets of responses operations share (`x-responses: <set>`)."""
KIND_ORDER = (
    "securitySchemes",
    "schemas",
    "parameters",
    "headers",
    "responses",
    "examples",
    "links",
)
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
"""The HTTP methods a path item may hold operations for."""
YAML_HEADER = "# Bundled from openapi/ by `make generate`; do not edit (edit openapi/ instead).\n"


class BundleError(Exception):
    """The spec files cannot be bundled."""


def _load(path: Path, cache: dict[Path, Any]) -> Any:
    if path not in cache:
        cache[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return cache[path]


def _follow(document: Any, pointer: str) -> Any:
    node = document
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


class Bundler:
    """Resolves $refs of a multi-file spec into one document."""

    def __init__(self, base: Path, root: Path, earlier: Path | None = None) -> None:
        self.base = base
        self.root = root
        self.components_dir = base / "components"
        self.earlier_dir = earlier / "components" if earlier is not None else None
        self.cache: dict[Path, Any] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.origins: dict[tuple[str, str], Path] = {}
        self.overrides = self._names(self.components_dir) if earlier is not None else {}
        """(kind, name) -> the file of this version defining it (a later version only)."""
        self.response_sets = [base / RESPONSE_SETS]
        if earlier is not None:
            self.response_sets.insert(0, earlier / RESPONSE_SETS)
        """The sets' files, earliest first: a later version's set replaces one of the same name."""

    def _names(self, components_dir: Path) -> dict[tuple[str, str], Path]:
        names: dict[tuple[str, str], Path] = {}
        for kind_dir in sorted(p for p in components_dir.iterdir() if p.is_dir()):
            for path in sorted(kind_dir.glob("*.yaml")):
                for name in _load(path.resolve(), self.cache) or {}:
                    names[(kind_dir.name, name)] = path.resolve()
        return names

    def _component_kind(self, path: Path) -> str | None:
        if path.parent.parent in (self.components_dir, self.earlier_dir):
            return path.parent.name
        return None

    def component(self, kind: str, path: Path, name: str) -> dict[str, str]:
        """Register a named component (once) and return the local $ref to it. In a later
        version, the version's own definition of the name wins wherever the $ref points."""
        if (kind, name) in self.overrides:
            path = self.overrides[(kind, name)]
        elif self.earlier_dir is not None and path.is_relative_to(self.components_dir):
            path = self.earlier_dir / path.relative_to(self.components_dir)
        origin = self.origins.get((kind, name))
        if origin is not None and origin != path:
            first, second = _shown(origin), _shown(path)
            raise BundleError(f"{kind} {name!r} is defined in both {first} and {second}")
        if origin is None:
            self.origins[(kind, name)] = path
            document = _load(path, self.cache)
            if name not in document:
                raise BundleError(f"{_shown(path)} has no {name!r}")
            self.components.setdefault(kind, {})[name] = {}
            self.components[kind][name] = self.resolve(document[name], path)
        return {"$ref": f"#/components/{kind}/{name}"}

    def resolve(self, node: Any, path: Path) -> Any:
        """node with every external $ref replaced, as read from the file at path."""
        if isinstance(node, list):
            return [self.resolve(item, path) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {key: self.resolve(value, path) for key, value in node.items()}
        target_name, _, pointer = ref.partition("#")
        target = (path.parent / target_name).resolve() if target_name else path
        kind = self._component_kind(target)
        if kind is not None:
            siblings = {
                key: self.resolve(value, path) for key, value in node.items() if key != "$ref"
            }
            return self.component(kind, target, pointer.strip("/")) | siblings
        if not target_name and path == self.root:
            return dict(node)  # a local reference of the root document stays as it is
        return self.resolve(_follow(_load(target, self.cache), pointer), target)

    def expand_response_sets(self, document: dict[str, Any]) -> None:
        """Replace each operation's `x-responses: <set>` by the set's responses. Responses the
        operation writes itself come first when they are not errors (its 2xx), or in the place
        of the set's own response of that status, or before the first of the set's statuses
        that is numerically greater; so the order is the one the responses would have if they
        were written out in full."""
        sets: dict[str, tuple[Path, Any]] = {}
        for path in self.response_sets:
            if path.exists():
                sets |= {name: (path, value) for name, value in _load(path, self.cache).items()}
        for url, item in document.get("paths", {}).items():
            for method in METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict) or "x-responses" not in operation:
                    continue
                name = operation.pop("x-responses")
                if name not in sets:
                    where = f"{method.upper()} {url} ({operation.get('operationId')})"
                    raise BundleError(
                        f"{where}: x-responses {name!r} is not a set in {RESPONSE_SETS}"
                    )
                path, value = sets[name]
                shared = self.resolve(value, path)
                operation["responses"] = _merge_responses(operation.get("responses", {}), shared)

    def bundle(self, root: Path) -> dict[str, Any]:
        """The whole bundled document."""
        document: dict[str, Any] = self.resolve(_load(root, self.cache), root)
        if_match = document.pop("x-if-match", None)
        if if_match is not None:
            _require_if_match(document, if_match)
        self.expand_response_sets(document)
        deprecation = document.pop("x-deprecated", None)
        if deprecation:
            _deprecate(document, deprecation.get("headers", {}))
        for kind_dir in sorted(p for p in self.components_dir.iterdir() if p.is_dir()):
            for path in sorted(kind_dir.glob("*.yaml")):
                for name in _load(path.resolve(), self.cache) or {}:
                    self.component(kind_dir.name, path.resolve(), name)
        components = document.setdefault("components", {})
        if deprecation:
            for response in self.components.get("responses", {}).values():
                response.setdefault("headers", {}).update(deprecation.get("headers", {}))
        for kind, named in self.components.items():
            for name in sorted(named.keys() & components.get(kind, {}).keys()):
                origin = _shown(self.origins[(kind, name)])
                raise BundleError(f"{kind} {name!r} is defined in both {root.name} and {origin}")
            components.setdefault(kind, {}).update(named)
        document["components"] = {
            kind: dict(sorted(components[kind].items()))
            for kind in sorted(
                components, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k)
            )
        }
        return document


def _deprecate(document: dict[str, Any], headers: dict[str, Any]) -> None:
    """A deprecated version: every operation `deprecated: true`, every response of it declaring
    the deprecation headers (x-deprecated.headers; the shared responses get them in bundle())."""
    for item in document.get("paths", {}).values():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                item[method] = _deprecated(item[method])
                for response in item[method].get("responses", {}).values():
                    if "$ref" not in response:
                        response.setdefault("headers", {}).update(headers)


def _require_if_match(document: dict[str, Any], value: str) -> None:
    """A root document's `x-if-match: <value>`: set on each PATCH and DELETE that takes the
    If-Match parameter (its x-resource operations), so a version can require it for every
    single-resource write without restating path files it shares with an earlier version."""
    for item in document.get("paths", {}).values():
        for method in ("patch", "delete"):
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            refs = [p.get("$ref") for p in operation.get("parameters", [])]
            if "#/components/parameters/IfMatch" in refs:
                operation["x-if-match"] = value


def _deprecated(operation: dict[str, Any]) -> dict[str, Any]:
    """The operation marked `deprecated: true`, right after its description."""
    marked: dict[str, Any] = {}
    for key, value in operation.items():
        marked[key] = value
        if key == "description":
            marked["deprecated"] = True
    marked.setdefault("deprecated", True)
    return marked


def _shown(path: Path) -> Path:
    """A spec file's path as messages name it (relative to the repository when inside it)."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _merge_responses(own: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """The operation's own responses merged into a shared set (see expand_response_sets)."""
    merged = {status: response for status, response in own.items() if str(status) < "400"}
    pending = sorted((str(s), r) for s, r in own.items() if str(s) >= "400" and s not in shared)
    for status, response in shared.items():
        while pending and pending[0][0] < str(status):
            merged.update([pending.pop(0)])
        merged[status] = own.get(status, response)
    merged.update(pending)
    return merged


def bundle(root: Path = SPEC_ROOT) -> dict[str, Any]:
    """Bundle the spec whose root document is at root (a root under openapi/v<n>/ builds on the
    documents of openapi/, see the module text)."""
    base = root.parent.resolve()
    earlier = base.parent if re.fullmatch(r"v\d+", base.name) else None
    return Bundler(base, root.resolve(), earlier).bundle(root.resolve())


def write(document: dict[str, Any], out_dir: Path) -> None:
    """openapi.yaml and openapi.json, byte-identical for identical input."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = YAML_HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    (out_dir / "openapi.yaml").write_text(text, encoding="utf-8", newline="\n")
    as_json = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "openapi.json").write_text(as_json, encoding="utf-8", newline="\n")


def check(document: dict[str, Any]) -> list[str]:
    """Why the bundled document is not valid OpenAPI (empty when it is)."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        return [f"invalid OpenAPI: {exc}"]
    return []


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=SPEC_ROOT)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    try:
        document = bundle(args.root)
    except (BundleError, KeyError, OSError, yaml.YAMLError) as exc:
        print(f"cannot bundle {args.root}: {exc}", file=sys.stderr)
        return 1
    if args.check:  # before writing, so a broken spec never reaches generated/
        problems = check(document)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s) in the spec; nothing was generated", file=sys.stderr)
            return 1
        print(f"{args.root}: valid, {len(document['paths'])} paths")
    if args.out_dir:
        write(document, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
