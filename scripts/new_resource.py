"""`make resource NAME=devices`: a working CRUD resource of an organization, end to end.

Writes, from scripts/resource_template/, the spec (paths, schemas, parameters), the ORM model,
the repository, the handler and the tests of `/api/v1/organizations/{org_id}/<name>` (list with
paging and sorting, create, get, update, delete; one `name` field), and registers them: the
root document's path and tag, the `<name>:read` (members) and `<name>:write` (admins, owners)
permissions, the model's import, the handler in app.main, a factory, the permission-matrix rows
and the CHANGELOG line. Then it runs `make generate` and `make migrations`. Everything it writes
passes `make lint` and `make test` as it stands; add fields from there (docs/adding-a-resource.md).

    python scripts/new_resource.py devices [--singular device]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "v2"
"""A new resource joins the newest version only: v1 is frozen (docs/adding-a-resource.md)."""
TEMPLATES = Path(__file__).resolve().parent / "resource_template"
BIN = Path(sys.executable).parent
NAME = re.compile(r"^[a-z]{2,}s$")
"""One lowercase plural word: the path segment, table, tag, router module and permission noun."""


class ScaffoldError(Exception):
    """The resource cannot be scaffolded (a bad name, or it exists already)."""


@dataclass(frozen=True)
class Names:
    """The spellings of one resource's name."""

    plural: str
    singular: str

    @property
    def replacements(self) -> list[tuple[str, str]]:
        """Template placeholder -> this resource's spelling, longest first."""
        return [
            ("Gizmos", self.plural.capitalize()),
            ("Gizmo", self.singular.capitalize()),
            ("GIZMOS", self.plural.upper()),
            ("GIZMO", self.singular.upper()),
            ("gizmos", self.plural),
            ("gizmo", self.singular),
        ]

    def render(self, text: str) -> str:
        """The template text with every placeholder spelled for this resource."""
        for placeholder, value in self.replacements:
            text = text.replace(placeholder, value)
        return text

    def files(self) -> dict[str, Path]:
        """Template -> the new file it becomes."""
        return {
            "paths.yaml.tmpl": SPEC / "paths" / f"{self.plural}.yaml",
            "schemas.yaml.tmpl": SPEC / "components" / "schemas" / f"{self.plural}.yaml",
            "parameters.yaml.tmpl": SPEC / "components" / "parameters" / f"{self.plural}.yaml",
            "model.py.tmpl": ROOT / "app" / "data" / "models" / f"{self.singular}.py",
            "repository.py.tmpl": ROOT / "app" / "data" / "repositories" / f"{self.plural}.py",
            "handler.py.tmpl": ROOT / "handlers" / f"{self.plural}.py",
            "test.py.tmpl": ROOT / "tests" / "integration" / f"test_{self.plural}.py",
        }


def edit(path: Path, anchor: str, new: str, *, before: bool = False) -> None:
    """Insert new after (or before) the one line matching the anchor pattern in the file."""
    text = path.read_text(encoding="utf-8")
    matches = list(re.finditer(anchor, text, flags=re.MULTILINE))
    if len(matches) != 1:
        raise ScaffoldError(f"{path.relative_to(ROOT)}: expected one line matching {anchor!r}")
    at = matches[0].start() if before else matches[0].end()
    path.write_text(text[:at] + new + text[at:], encoding="utf-8")


def register(names: Names) -> list[Path]:
    """Add the resource to the files every resource is listed in; returns them."""
    p, s, cls = names.plural, names.singular, names.singular.capitalize()
    upper = p.upper()
    root = SPEC / "openapi.yaml"
    edit(
        root,
        r"^  - name: health$",
        f"  - name: {p}\n    description: The {p} of an organization.\n",
        before=True,
    )
    edit(
        root,
        r"^  /health/live:$",
        f"  /api/v2/organizations/{{org_id}}/{p}:\n    $ref: paths/{p}.yaml#/collection\n"
        f"  /api/v2/organizations/{{org_id}}/{p}/{{{s}_id}}:\n    $ref: paths/{p}.yaml#/item\n",
        before=True,
    )
    rbac = ROOT / "app" / "domain" / "rbac.py"
    edit(
        rbac,
        r'^    [A-Z_]+ = "[a-z]+:[a-z]+"\n(?=\n\n)',
        f'    {upper}_READ = "{p}:read"\n    {upper}_WRITE = "{p}:write"\n',
    )
    edit(rbac, r"^_MEMBER = frozenset\(\s*\{", f"Permission.{upper}_READ, ")
    edit(rbac, r"^_ADMIN = _MEMBER \| \{\n", f"    Permission.{upper}_WRITE,\n")
    models = ROOT / "app" / "data" / "models" / "__init__.py"
    edit(
        models,
        r"^from app\.data\.models\.\w+ import \w+\n(?!from)",
        f"from app.data.models.{s} import {cls}\n",
    )
    edit(models, r"^__all__ = \[", f'"{cls}", ')
    main = ROOT / "app" / "main.py"
    edit(
        main,
        r"^from handlers\.\w+ import \w+\n(?!from)",
        f"from handlers.{p} import {cls}Handlers\n",
    )
    edit(main, r"^    return HandlerSet\(\n", f"        {p}={cls}Handlers(),\n")
    factories = ROOT / "tests" / "factories.py"
    factories.write_text(
        factories.read_text(encoding="utf-8")
        + names.render((TEMPLATES / "factory.py.tmpl").read_text()),
        encoding="utf-8",
    )
    matrix = ROOT / "tests" / "integration" / "test_permission_matrix.py"
    edit(matrix, r"^    make_org,\n", f"    make_{s},\n")
    matrix_v2 = ROOT / "tests" / "integration" / "test_permission_matrix_v2.py"
    edit(
        matrix,
        r"^PATH_VALUES: dict\[str, PathValue\] = \{\n",
        f'    "{s}_id": lambda db, world: id_of(make_{s}(db, world.org)),\n',
    )
    rows = {
        f"list{p.capitalize()}": (200, 200, 200, 200, 404, 401),
        f"create{cls}": (201, 201, 201, 403, 404, 401),
        f"get{cls}": (200, 200, 200, 200, 404, 401),
        f"update{cls}": (200, 200, 200, 403, 404, 401),
        f"delete{cls}": (204, 204, 204, 403, 404, 401),
    }
    lines = "".join(f'    "{op}": {row},\n' for op, row in rows.items())
    comment = f"    # its {p}: members read, admins create, edit and delete\n"
    edit(
        matrix_v2,
        r"^ADDED_IN_V2: dict\[str, tuple\[int, int, int, int, int, int\]\] = \{",
        "\n" + comment + lines,
    )
    changelog = ROOT / "CHANGELOG.md"
    line = textwrap.fill(
        f"- `/api/v2/organizations/{{org_id}}/{p}`: list (by cursor, sorted), create, get, update"
        f" and delete an organization's {p} (`{p}:read` for its members, `{p}:write` for its admins"
        " and owners).",
        width=100,
        subsequent_indent="  ",
    )
    empty = re.search(r"^## Unreleased\n\n## ", changelog.read_text(), flags=re.MULTILINE)
    edit(changelog, r"^## Unreleased\n\n", line + ("\n\n" if empty else "\n"))
    return [root, rbac, models, main, factories, matrix, matrix_v2, changelog]


def run(*command: str | Path) -> None:
    """Run a step, stopping the scaffold when it fails."""
    result = subprocess.run([str(part) for part in command], check=False, cwd=ROOT)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"make resource stopped: {' '.join(map(str, command[:3]))} failed")


def scaffold(names: Names) -> list[Path]:
    """Write and register the resource; returns every file written or changed."""
    files = names.files()
    existing = [path for path in files.values() if path.exists()]
    if existing or f"  - name: {names.plural}\n" in (SPEC / "openapi.yaml").read_text():
        where = ", ".join(str(path.relative_to(ROOT)) for path in existing) or "openapi.yaml"
        raise ScaffoldError(f"{names.plural} exists already ({where})")
    for template, path in files.items():
        path.write_text(names.render((TEMPLATES / template).read_text()), encoding="utf-8")
    changed = register(names)
    python = [str(path) for path in [*files.values(), *changed] if path.suffix == ".py"]
    run(BIN / "ruff", "format", "--quiet", *python)
    run(BIN / "ruff", "check", "--quiet", "--fix", *python)
    run(BIN / "ruff", "format", "--quiet", *python)
    run(sys.executable, ROOT / "scripts" / "generate.py")
    run(sys.executable, ROOT / "scripts" / "new_migration.py", f"add {names.plural}")
    return [*files.values(), *changed]


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name", help="the plural, lowercase, one word: devices")
    parser.add_argument("--singular", help="when it is not the name without its final s")
    args = parser.parse_args(argv)
    if not NAME.fullmatch(args.name):
        print(
            "make resource: NAME must be one lowercase plural word, e.g. devices", file=sys.stderr
        )
        return 2
    names = Names(args.name, args.singular or args.name[:-1])
    try:
        written = scaffold(names)
    except ScaffoldError as exc:
        print(f"make resource: {exc}", file=sys.stderr)
        return 1
    print("wrote or changed:\n  " + "\n  ".join(str(p.relative_to(ROOT)) for p in written))
    print("next: read the migration in alembic/versions, add fields, then `make lint test`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
