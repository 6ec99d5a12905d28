"""fastapi-code-generator visitor: describes every operation of the bundled spec for the templates.

The templates under openapi/templates render generated/operations.py, generated/protocols.py and
generated/routers/<tag>.py from the ``spec_operations`` and ``spec_tags`` variables built here.
Everything is read from the raw bundled document, so the output depends on the spec alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi_code_generator.parser import OpenAPIParser

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
SCHEMA_REF = "#/components/schemas/"
ROUTER_FILE_PATTERN = re.compile(r"(?<!^)(?<![A-Z -])(?=[A-Z])|[ -]+")
"""fastapi_code_generator.cli.TITLE_PATTERN (0.8.1): how it names a tag's router file."""
PARAMETER_REF = "#/components/parameters/"


class SpecError(Exception):
    """The spec breaks a convention the generated code relies on."""


def snake_case(name: str) -> str:
    """A Python name for any casing: listOrganizationMembers, siteID, site-id or Site_Id become
    list_organization_members, site_id, site_id and site_id."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").lower()


def pascal_case(name: str) -> str:
    """A class name for any casing: organization-members, siteDevices and site_devices become
    OrganizationMembers, SiteDevices and SiteDevices."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def router_module(tag: str) -> str:
    """The module fastapi-code-generator writes a tag's router to (generated/routers/<module>.py),
    by its own rule, so the HandlerSet key and the module always agree."""
    return re.sub(ROUTER_FILE_PATTERN, "_", tag.strip()).lower()


def ref_name(ref: str) -> str:
    """The component name a local schema $ref points to."""
    if not ref.startswith(SCHEMA_REF):
        raise SpecError(f"expected a reference to a component schema, got {ref!r}")
    return ref.removeprefix(SCHEMA_REF)


class SpecReader:
    """Reads operations, parameters and schemas out of the bundled document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = document.get("components", {})
        self.models: set[str] = set()

    def schema(self, name: str) -> dict[str, Any]:
        """A named component schema."""
        schema: dict[str, Any] = self.components["schemas"][name]
        return schema

    def parameter(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A parameter object, following a $ref into components/parameters."""
        ref = raw.get("$ref")
        if ref is None:
            return raw
        parameter: dict[str, Any] = self.components["parameters"][ref.removeprefix(PARAMETER_REF)]
        return parameter

    def annotation(self, schema: dict[str, Any]) -> str:
        """The Python type for a parameter schema."""
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            self.models.add(name)
            return name
        if "enum" in schema:
            return "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
        kind = schema.get("type")
        if kind == "string":
            return "UUID" if schema.get("format") == "uuid" else "str"
        simple = {"integer": "int", "boolean": "bool", "number": "float"}
        if kind in simple:
            return simple[kind]
        raise SpecError(f"unsupported parameter schema {schema!r}")

    @staticmethod
    def constraints(schema: dict[str, Any]) -> str:
        """Keyword arguments for fastapi.Query/Path that enforce the schema's constraints."""
        keywords = {
            "minimum": "ge",
            "maximum": "le",
            "exclusiveMinimum": "gt",
            "exclusiveMaximum": "lt",
            "minLength": "min_length",
            "maxLength": "max_length",
            "pattern": "pattern",
        }
        return ", ".join(
            f"{keyword}={schema[key]!r}" for key, keyword in keywords.items() if key in schema
        )

    def parameters(self, path_item: dict[str, Any], operation: dict[str, Any]) -> list[Any]:
        """Path and query parameters of an operation (headers are handled by middleware)."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = self.parameter(raw)
            merged[(parameter["in"], parameter["name"])] = parameter
        described = []
        for parameter in merged.values():
            location = parameter["in"]
            if location not in ("path", "query"):
                continue
            schema = parameter.get("schema", {})
            annotation = self.annotation(schema)
            required = bool(parameter.get("required", location == "path"))
            if "default" in schema:
                default: str | None = repr(schema["default"])
            elif required:
                default = None
            else:
                annotation, default = f"{annotation} | None", "None"
            python_name = snake_case(parameter["name"])
            keywords = self.constraints(schema)
            if python_name != parameter["name"]:  # bind camelCase or kebab-case names by alias
                keywords = ", ".join(filter(None, [f"alias={parameter['name']!r}", keywords]))
            described.append(
                {
                    "name": parameter["name"],
                    "location": location,
                    "python_name": python_name,
                    "annotation": annotation,
                    "default": default,
                    "marker": ("Path" if location == "path" else "Query") + f"({keywords})",
                }
            )
        # Python wants arguments without defaults first.
        return sorted(described, key=lambda item: item["default"] is not None)

    def header_names(self, path_item: dict[str, Any], operation: dict[str, Any]) -> list[str]:
        """The request headers the operation declares (the runtime reads them, not the route)."""
        raw = [*path_item.get("parameters", []), *operation.get("parameters", [])]
        return sorted(
            {p["name"] for p in map(self.parameter, raw) if p["in"] == "header"}, key=str.lower
        )

    @staticmethod
    def response_headers(operation: dict[str, Any], status_code: int) -> list[str]:
        """The headers the operation's success response declares."""
        response = operation["responses"][str(status_code)]
        return sorted(response.get("headers", {}), key=str.lower)

    def body(self, operation: dict[str, Any]) -> str | None:
        """The request body model, required to be a $ref to a component schema."""
        body = operation.get("requestBody")
        if body is None:
            return None
        schema = body["content"]["application/json"]["schema"]
        name = ref_name(schema.get("$ref", ""))
        self.models.add(name)
        return name

    def success(self, operation_id: str, operation: dict[str, Any]) -> dict[str, Any]:
        """What the operation answers on success: status, envelope and resource models."""
        codes = sorted(code for code in operation["responses"] if str(code).startswith("2"))
        if len(codes) != 1:
            raise SpecError(f"{operation_id}: expected exactly one 2xx response, got {codes}")
        code = str(codes[0])
        response = operation["responses"][code]
        content = response.get("content", {}).get("application/json")
        if content is None:
            return {"status_code": int(code), "kind": "empty", "envelope": None, "resource": None}
        envelope = ref_name(content["schema"].get("$ref", ""))
        data = self.schema(envelope)["properties"]["data"]
        kind = "page" if data.get("type") == "array" else "single"
        resource = ref_name((data["items"] if kind == "page" else data)["$ref"])
        self.models.update({envelope, resource})
        return {"status_code": int(code), "kind": kind, "envelope": envelope, "resource": resource}

    @staticmethod
    def location_field(
        operation_id: str, operation: dict[str, Any], status_code: int
    ) -> str | None:
        """For 201 responses: the body field whose value ends the new resource's URL.

        Read from the response's OpenAPI link to the resource's GET operation, whose last path
        parameter is bound to ``$response.body#/data/<field>``.
        """
        if status_code != 201:
            return None
        links = operation["responses"]["201"].get("links", {})
        for link in links.values():
            if link.get("operationId", "").startswith("get"):
                for expression in link.get("parameters", {}).values():
                    if str(expression).startswith("$response.body#/data/"):
                        return str(expression).removeprefix("$response.body#/data/")
        raise SpecError(f"{operation_id}: a 201 response needs a link to its resource's GET")

    def operations(self) -> list[dict[str, Any]]:
        """Every operation, described for the templates, ordered by tag then operationId."""
        described = []
        for path, path_item in self.document["paths"].items():
            for method in HTTP_METHODS:
                operation = path_item.get(method)
                if operation is None:
                    continue
                operation_id = operation["operationId"]
                success = self.success(operation_id, operation)
                described.append(
                    {
                        "operation_id": operation_id,
                        "function_name": snake_case(operation_id),
                        "method": method,
                        "path": path,
                        "tag": operation["tags"][0],
                        "summary": operation.get("summary", ""),
                        "permission": operation.get("x-permission"),
                        "public": bool(operation.get("x-public", False)),
                        "allow_self": operation.get("x-allow-self"),
                        "rate_limit": operation.get("x-rate-limit"),
                        "idempotent": bool(operation.get("x-idempotent", False)),
                        "x_resource": operation.get("x-resource"),
                        "if_match_required": operation.get("x-if-match") == "required",
                        "headers": self.header_names(path_item, operation),
                        "statuses": sorted(int(code) for code in operation["responses"]),
                        "success_headers": self.response_headers(operation, success["status_code"]),
                        "parameters": self.parameters(path_item, operation),
                        "body": self.body(operation),
                        "location_field": self.location_field(
                            operation_id, operation, success["status_code"]
                        ),
                        **success,
                    }
                )
        return sorted(described, key=lambda item: (item["tag"], item["operation_id"]))


def get_spec_operations(parser: OpenAPIParser, model_path: Path) -> dict[str, object]:
    """Template variables: spec_operations, spec_tags and spec_models; package (the Python package
    the code is generated into, from scripts/generate.py) and api_version (info.version's major)."""
    reader = SpecReader(parser.raw_obj)
    operations = reader.operations()
    tags = sorted({operation["tag"] for operation in operations})
    version = str(parser.raw_obj["info"]["version"])
    return {
        "package": os.environ.get("ORGSITES_GENERATED_PACKAGE", "generated"),
        "api_version": int(version.split(".", 1)[0]),
        "spec_operations": operations,
        "spec_tags": [
            {
                "name": tag,
                "module": router_module(tag),
                "protocol": f"{pascal_case(tag)}Operations",
                "operations": [item for item in operations if item["tag"] == tag],
            }
            for tag in tags
        ],
        "spec_models": sorted(reader.models),
    }


visit = get_spec_operations
