"""Bundle the hand-written, multi-file spec under openapi/ into one document.

Rules: a $ref to `components/<kind>/<file>.yaml#/<Name>` becomes `#/components/<kind>/<Name>`
and the named object joins the bundle's components; any other external $ref (into paths/*.yaml)
is inlined. Inside a component file, `#/<Name>` means a name in that same file; inside a paths
file, `#/...` is inlined from that same file; in the root document it is kept. Every named
object of every component file is included, in a fixed order, so the output is deterministic.
An operation's `x-responses: <set>` is replaced by the responses of that set in
openapi/response-sets.yaml (see expand_response_sets), so the bundle is plain OpenAPI.

    python scripts/bundle_spec.py --out-dir generated   # writes openapi.yaml and openapi.json
    python scripts/bundle_spec.py --check               # validates the bundle and our conventions
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
YAML_HEADER = "# Bundled from openapi/ by `make generate`; do not edit (edit openapi/ instead).\n"
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")
TAG = re.compile(r"^[A-Za-z][A-Za-z0-9 -]*$")
"""Any casing (siteDevices, site-devices, SiteDevices); the router module name is derived."""
PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
REQUEST_SCHEMA = re.compile(r"(Create|Update|Request)$")
RATE_LIMIT_POLICIES = ("credentials", "standard", "reauthentication", "exempt")
CONFIRMATION_FIELD = "current_password"
"""What a `reauthentication` operation's request body confirms the caller's password with
(app.access.rate_limit_policy.CONFIRMATION_FIELD)."""
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
UNLIMITED_STATUSES = ("400", "405", "413", "414", "431", "500")
"""Answered before the limiter runs (unsupported API version, method not allowed, request over a
size cap) or by the
last-resort handler."""


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

    def __init__(self, base: Path, root: Path) -> None:
        self.base = base
        self.root = root
        self.components_dir = base / "components"
        self.cache: dict[Path, Any] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.origins: dict[tuple[str, str], Path] = {}

    def _component_kind(self, path: Path) -> str | None:
        if path.parent.parent == self.components_dir:
            return path.parent.name
        return None

    def component(self, kind: str, path: Path, name: str) -> dict[str, str]:
        """Register a named component (once) and return the local $ref to it."""
        origin = self.origins.get((kind, name))
        if origin is not None and origin != path:
            first, second = origin.relative_to(self.base), path.relative_to(self.base)
            raise BundleError(f"{kind} {name!r} is defined in both {first} and {second}")
        if origin is None:
            self.origins[(kind, name)] = path
            document = _load(path, self.cache)
            if name not in document:
                raise BundleError(f"{path.relative_to(self.base)} has no {name!r}")
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
        path = self.base / RESPONSE_SETS
        for url, item in document.get("paths", {}).items():
            for method in METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict) or "x-responses" not in operation:
                    continue
                name = operation.pop("x-responses")
                sets = _load(path, self.cache) if path.exists() else {}
                if name not in sets:
                    where = f"{method.upper()} {url} ({operation.get('operationId')})"
                    raise BundleError(f"{where}: x-responses {name!r} is not a set in {path.name}")
                shared = self.resolve(sets[name], path)
                operation["responses"] = _merge_responses(operation.get("responses", {}), shared)

    def bundle(self, root: Path) -> dict[str, Any]:
        """The whole bundled document."""
        document: dict[str, Any] = self.resolve(_load(root, self.cache), root)
        self.expand_response_sets(document)
        for kind_dir in sorted(p for p in self.components_dir.iterdir() if p.is_dir()):
            for path in sorted(kind_dir.glob("*.yaml")):
                for name in _load(path, self.cache):
                    self.component(kind_dir.name, path.resolve(), name)
        components = document.setdefault("components", {})
        for kind, named in self.components.items():
            for name in sorted(named.keys() & components.get(kind, {}).keys()):
                origin = self.origins[(kind, name)].relative_to(self.base)
                raise BundleError(f"{kind} {name!r} is defined in both {root.name} and {origin}")
            components.setdefault(kind, {}).update(named)
        document["components"] = {
            kind: dict(sorted(components[kind].items()))
            for kind in sorted(
                components, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k)
            )
        }
        return document


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
    """Bundle the spec whose root document is at root."""
    return Bundler(root.parent.resolve(), root.resolve()).bundle(root.resolve())


def path_sources(root: Path = SPEC_ROOT) -> dict[str, str]:
    """For each path of the root document, the file (and name) its path item is written in."""
    document = yaml.safe_load(root.read_text(encoding="utf-8"))
    sources: dict[str, str] = {}
    for path, item in (document.get("paths") or {}).items():
        ref = item.get("$ref") if isinstance(item, dict) else None
        target = ref.partition("#")[0] if isinstance(ref, str) else root.name
        sources[path] = str((root.parent / target).relative_to(ROOT)) if target else root.name
    return sources


def convention_problems(
    document: dict[str, Any], sources: dict[str, str] | None = None
) -> list[str]:
    """Where the bundle breaks the house conventions of docs/architecture.md; each problem names
    the file the path item is written in, the method and path, and the operationId."""
    problems: list[str] = []
    seen: set[str] = set()
    sources = sources or {}
    for path, item in document["paths"].items():
        source = sources.get(path, "openapi/openapi.yaml")
        refs = [p.get("$ref") for p in item.get("parameters", [])]
        if "#/components/parameters/ApiVersionHeader" not in refs:
            problems.append(f"{source}: {path}: path item lacks the ApiVersionHeader parameter")
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation_id = operation.get("operationId", "")
            where = f"{source}: {method.upper()} {path} ({operation_id or 'no operationId'})"
            tags = operation.get("tags", [])
            if len(tags) == 1 and not TAG.fullmatch(str(tags[0])):
                problems.append(
                    f"{where}: tag {tags[0]!r} must be letters, digits, spaces or dashes,"
                    " starting with a letter (any casing)"
                )
            if not OPERATION_ID.fullmatch(operation_id) or operation_id in seen:
                problems.append(
                    f"{where}: operationId {operation_id!r} is missing, not camelCase or not unique"
                )
            seen.add(operation_id)
            if len(operation.get("tags", [])) != 1:
                problems.append(f"{where}: needs exactly one tag")
            for key in ("summary", "description", "security"):
                if key not in operation:
                    problems.append(f"{where}: no {key}")
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                name = str(_resolved(document, parameter).get("name", ""))
                if not PARAMETER_NAME.fullmatch(name):
                    problems.append(
                        f"{where}: parameter name {name!r} must be letters, digits, _ or -"
                        " (any casing), starting with a letter"
                    )
            if ("x-permission" in operation) == bool(operation.get("x-public")):
                problems.append(f"{where}: needs either x-permission or x-public: true")
            problems.extend(rate_limit_problems(document, where, operation))
            bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    if "$ref" not in media.get("schema", {}):
                        problems.append(
                            f"{where}: inline body schema; use a $ref to a named schema"
                        )
    return problems


def request_default_problems(document: dict[str, Any]) -> list[str]:
    """Request schemas must not declare `default`: SDK generators (openapi-typescript) turn such
    a property into a required one. Say what the server uses in the description instead."""
    return [
        f"components/schemas {name}.{field}: a request property declares a default, which SDK"
        " generators make required; describe the default instead"
        for name, schema in document.get("components", {}).get("schemas", {}).items()
        if REQUEST_SCHEMA.search(name)
        for field, prop in schema.get("properties", {}).items()
        if "default" in prop
    ]


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A local `#/components/...` $ref followed to its object."""
    ref = node.get("$ref")
    return _follow(document, ref.removeprefix("#")) if isinstance(ref, str) else node


def rate_limit_problems(
    document: dict[str, Any], where: str, operation: dict[str, Any]
) -> list[str]:
    """x-rate-limit is declared; limited operations document 429 and the quota headers; a
    `reauthentication` operation's body has the property that confirms the password."""
    policy = operation.get("x-rate-limit")
    if policy not in RATE_LIMIT_POLICIES:
        return [f"{where}: x-rate-limit must be one of {', '.join(RATE_LIMIT_POLICIES)}"]
    responses = operation.get("responses", {})
    if policy == "exempt":
        return [f"{where}: exempt from rate limits but documents 429"] if "429" in responses else []
    problems = [] if "429" in responses else [f"{where}: rate limited but no 429 response"]
    if policy == "reauthentication" and CONFIRMATION_FIELD not in _body_properties(
        document, operation
    ):
        problems.append(f"{where}: reauthentication but its body has no {CONFIRMATION_FIELD}")
    for status, response in responses.items():
        headers = _resolved(document, response).get("headers", {})
        missing = [name for name in RATE_LIMIT_HEADERS if name not in headers]
        if status not in UNLIMITED_STATUSES and missing:
            problems.append(f"{where}: response {status} lacks {', '.join(missing)}")
    return problems


def _body_properties(document: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The property names of the operation's JSON request body."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = _resolved(document, content.get("application/json", {}).get("schema", {}))
    return set(schema.get("properties", {}))


def write(document: dict[str, Any], out_dir: Path) -> None:
    """openapi.yaml and openapi.json, byte-identical for identical input."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = YAML_HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    (out_dir / "openapi.yaml").write_text(text, encoding="utf-8", newline="\n")
    as_json = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "openapi.json").write_text(as_json, encoding="utf-8", newline="\n")


def check(document: dict[str, Any], root: Path = SPEC_ROOT) -> list[str]:
    """Validation errors of the OpenAPI document plus convention problems."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    problems: list[str] = []
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        problems.append(f"invalid OpenAPI: {exc}")
    try:
        problems.extend(convention_problems(document, path_sources(root)))
        problems.extend(request_default_problems(document))
    except (AttributeError, KeyError, TypeError) as exc:
        problems.append(f"cannot check conventions of a malformed document: {exc!r}")
    return problems


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
        problems = check(document, args.root)
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
