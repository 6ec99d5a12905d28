"""`make generate`: bundle openapi/ and regenerate everything under generated/ from it, for each
API version: v1 (openapi/openapi.yaml) into generated/, v2 (openapi/v2/openapi.yaml) into
generated/v2/ (the same files: openapi.{yaml,json}, models.py, operations.py, protocols.py,
routers/).

1. scripts/bundle_spec.py bundles the spec and validates it as OpenAPI 3 (the house conventions
   are `make spec-lint`'s), then writes generated/openapi.{yaml,json}.
2. datamodel-code-generator writes generated/models.py (Pydantic v2).
3. fastapi-code-generator, with openapi/templates and scripts/codegen_visitor.py, writes
   generated/operations.py, generated/protocols.py and generated/routers/<tag>.py.
4. ruff removes unused imports and formats the result.
The output depends on the spec and the pinned tools only: running it twice changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "openapi"
TEMPLATES = SPEC_DIR / "templates"
VISITOR = ROOT / "scripts" / "codegen_visitor.py"
OUT = ROOT / "generated"
BIN = Path(sys.executable).parent
HEADER = "# Generated from openapi/ by `make generate` (datamodel-code-generator); do not edit."
GENERATED_BY_FASTAPI_CODEGEN = ("operations.py", "protocols.py")
REJECT_NULL = "app.domain.validators.reject_null"
KNOWN_TIME_ZONE = "app.domain.time_zones.known_time_zone"
NO_SPACES = "app.domain.validators.no_spaces"
CANONICAL_EMAIL = "app.domain.validators.canonical"
KNOWN_COUNTRY = "app.domain.countries.known_country"
TIME_ZONE = "#/components/schemas/TimeZone"
COUNTRY = "#/components/schemas/Country"
VERSIONS = (
    (SPEC_DIR / "openapi.yaml", OUT, "generated"),
    (SPEC_DIR / "v2" / "openapi.yaml", OUT / "v2", "generated.v2"),
)
"""Each API version: its root document, where its code goes and that code's package."""
PACKAGE_VARIABLE = "ORGSITES_GENERATED_PACKAGE"
"""Tells scripts/codegen_visitor.py which package the generated routers import from."""


def run(*command: str | Path) -> None:
    """Run a tool, stopping the generation (without a traceback) when it fails."""
    result = subprocess.run([str(part) for part in command], check=False, cwd=ROOT)  # noqa: S603
    if result.returncode != 0:
        tool = Path(command[1] if command[0] == sys.executable else command[0]).name
        raise SystemExit(f"make generate stopped: {tool} failed (exit {result.returncode})")


def allows_null(schema: dict[str, Any]) -> bool:
    """Whether a property schema admits JSON null."""
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(allows_null(option) for option in schema.get("anyOf", schema.get("oneOf", [])))


def field_validators(document: dict[str, Any]) -> dict[str, Any]:
    """--validators config: optional properties that may not be null, time zone names, and
    emails in their canonical form.

    datamodel-code-generator types an optional, non-nullable property `X | None = None`, which would
    accept an explicit null the spec forbids; a before-validator rejects it. A TimeZone property
    gets a check against the tz database with a short message (its pattern is long). An email
    property (`format: email`) is refused with spaces (which Pydantic's EmailStr would strip) and
    gets an after-validator turning the address into its canonical form (app.domain.emails):
    handlers only ever see that form, and responses show it as stored (EmailStr alone would show an
    internationalized domain in Unicode)."""
    validators: dict[str, Any] = {}
    for name, schema in sorted(document["components"]["schemas"].items()):
        required = set(schema.get("required", []))
        properties = schema.get("properties", {})
        nullable = sorted(
            field
            for field, prop in properties.items()
            if field not in required and not allows_null(prop)
        )
        zones = sorted(field for field, prop in properties.items() if prop.get("$ref") == TIME_ZONE)
        countries = sorted(
            field for field, prop in properties.items() if prop.get("$ref") == COUNTRY
        )
        emails = sorted(
            field for field, prop in properties.items() if prop.get("format") == "email"
        )
        entries = [
            {"fields": fields, "function": function, "mode": mode}
            for fields, function, mode in (
                (nullable, REJECT_NULL, "before"),
                (zones, KNOWN_TIME_ZONE, "before"),
                (countries, KNOWN_COUNTRY, "before"),
                (emails, NO_SPACES, "before"),
                (emails, CANONICAL_EMAIL, "after"),
            )
            if fields
        ]
        if entries:
            validators[name] = {"validators": entries}
    return validators


def generate_models(spec: Path, workdir: Path, out: Path) -> None:
    """<out>/models.py from the bundled spec."""
    validators = workdir / "validators.json"
    document = json.loads(spec.read_text(encoding="utf-8"))
    validators.write_text(json.dumps(field_validators(document), indent=2), encoding="utf-8")
    run(
        BIN / "datamodel-codegen",
        "--input", spec,
        "--input-file-type", "openapi",
        "--output", out / "models.py",
        "--output-model-type", "pydantic_v2.BaseModel",
        "--target-python-version", "3.11",
        "--use-annotated",
        "--field-constraints",
        "--use-double-quotes",
        "--use-union-operator",
        "--use-standard-collections",
        "--use-schema-description",
        "--strict-nullable",
        "--set-default-enum-member",
        "--strict-types", "str", "int", "float", "bool",
        "--validators", validators,
        "--disable-timestamp",
        "--custom-file-header", HEADER,
        "--formatters", "ruff-format",
    )  # fmt: skip


def fastapi_codegen(argv: list[str]) -> None:
    """fastapi-code-generator's CLI with its formatters named: left unnamed,
    datamodel-code-generator warns (FutureWarning) that its default, black then isort, will
    become opt-in. They are named here, so the output stays byte for byte what it was (ruff
    alone, which formats generated/ afterwards, would drop the trailing commas black adds)."""
    from datamodel_code_generator.format import CodeFormatter, Formatter, PythonVersion
    from fastapi_code_generator import cli

    def formatter(python_version: PythonVersion, settings_path: Path) -> CodeFormatter:
        return CodeFormatter(
            python_version, settings_path, formatters=[Formatter.BLACK, Formatter.ISORT]
        )

    cli._get_code_formatter = formatter  # the one place the CLI builds it
    cli.app(args=argv, prog_name="fastapi-codegen")


def generate_routers(spec: Path, workdir: Path, out: Path, package: str) -> None:
    """<out>/operations.py, protocols.py and routers/ from the templates, importing from
    ``package`` (the Python package of ``out``)."""
    target = workdir / "fastapi"
    os.environ[PACKAGE_VARIABLE] = package
    run(
        sys.executable, __file__, "fastapi-codegen",
        "--input", spec,
        "--output", target,
        "--template-dir", TEMPLATES,
        "--custom-visitor", VISITOR,
        "--generate-routers",
        "--disable-timestamp",
    )  # fmt: skip
    for name in GENERATED_BY_FASTAPI_CODEGEN:
        shutil.copyfile(target / name, out / name)
    routers = out / "routers"
    shutil.rmtree(routers, ignore_errors=True)
    routers.mkdir()
    for router in sorted((target / "routers").glob("*.py")):
        shutil.copyfile(router, routers / router.name)
    tags = sorted(router.stem for router in routers.glob("*.py"))
    (routers / "__init__.py").write_text(
        f'"""Generated routers, one module per tag; do not edit."""\n\nTAGS = {tuple(tags)!r}\n',
        encoding="utf-8",
    )


def main() -> int:
    """Regenerate generated/ from openapi/."""
    run(sys.executable, ROOT / "scripts" / "update_timezones.py")
    for root, out, package in VERSIONS:
        out.mkdir(exist_ok=True)
        # Validate first: a broken spec stops here with messages naming the file and operation.
        bundle = ROOT / "scripts" / "bundle_spec.py"
        run(sys.executable, bundle, "--root", root, "--check", "--out-dir", out)
        (out / "__init__.py").write_text(
            f'"""Code generated from {root.relative_to(ROOT)} by `make generate`; never edit by'
            ' hand."""\n',
            encoding="utf-8",
        )
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            generate_models(out / "openapi.json", workdir, out)
            generate_routers(out / "openapi.json", workdir, out, package)
    run(BIN / "ruff", "check", "--quiet", "--fix", "--select", "F401,I", OUT)
    run(BIN / "ruff", "format", "--quiet", OUT)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["fastapi-codegen"]:
        fastapi_codegen(sys.argv[2:])
    raise SystemExit(main())
