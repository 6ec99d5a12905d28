"""The designer's path: generation validates the spec first, with messages naming the file and
the operation, and tags and parameters of any casing produce code that binds."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi_code_generator.cli import TITLE_PATTERN

from scripts.bundle_spec import convention_problems, path_sources, request_default_problems
from scripts.codegen_visitor import (
    ROUTER_FILE_PATTERN,
    SpecReader,
    pascal_case,
    router_module,
    snake_case,
)

BUNDLED = json.loads(
    (Path(__file__).resolve().parents[2] / "generated" / "openapi.json").read_text()
)
SITES = "/api/v1/organizations/{org_id}/sites"


def spec() -> dict[str, Any]:
    return copy.deepcopy(BUNDLED)


def test_the_committed_spec_follows_the_conventions() -> None:
    assert convention_problems(spec(), path_sources()) == []


def test_a_missing_rate_limit_names_the_file_and_the_operation() -> None:
    document = spec()
    del document["paths"][SITES]["post"]["x-rate-limit"]
    assert convention_problems(document, path_sources()) == [
        f"openapi/paths/sites.yaml: POST {SITES} (createSite): x-rate-limit must be one of"
        " credentials, standard, reauthentication, exempt"
    ]


def test_a_reauthentication_needs_the_confirming_property_in_its_body() -> None:
    document = spec()
    document["paths"][SITES]["post"]["x-rate-limit"] = "reauthentication"
    assert convention_problems(document, path_sources()) == [
        f"openapi/paths/sites.yaml: POST {SITES} (createSite): reauthentication but its body has"
        " no current_password"
    ]


def test_a_missing_permission_names_the_file_and_the_operation() -> None:
    document = spec()
    del document["paths"][SITES]["get"]["x-permission"]
    [problem] = convention_problems(document, path_sources())
    assert problem.startswith(f"openapi/paths/sites.yaml: GET {SITES} (listSites): ")
    assert "x-permission or x-public" in problem


def test_a_tag_that_cannot_name_a_module_is_refused() -> None:
    document = spec()
    document["paths"][SITES]["get"]["tags"] = ["site.devices"]
    [problem] = convention_problems(document, path_sources())
    assert "tag 'site.devices' must be letters, digits, spaces or dashes" in problem


@pytest.mark.parametrize(
    ("tag", "module", "protocol"),
    [
        ("siteDevices", "site_devices", "SiteDevicesOperations"),
        ("site-devices", "site_devices", "SiteDevicesOperations"),
        ("SiteDevices", "site_devices", "SiteDevicesOperations"),
        ("organizations", "organizations", "OrganizationsOperations"),
    ],
)
def test_tags_of_any_casing_give_one_module_name(tag: str, module: str, protocol: str) -> None:
    assert router_module(tag) == module
    assert f"{pascal_case(tag)}Operations" == protocol


def test_router_modules_are_named_as_fastapi_code_generator_names_its_files() -> None:
    assert ROUTER_FILE_PATTERN.pattern == TITLE_PATTERN.pattern


@pytest.mark.parametrize(
    ("name", "python"),
    [("deviceId", "device_id"), ("siteID", "site_id"), ("site-id", "site_id"), ("q", "q")],
)
def test_parameter_names_of_any_casing_become_python_names(name: str, python: str) -> None:
    assert snake_case(name) == python


def test_a_camel_case_parameter_is_bound_by_alias() -> None:
    reader = SpecReader({"components": {}})
    item = {"parameters": [{"name": "deviceId", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "uuid"}}]}  # fmt: skip
    query = {"name": "pageSize", "in": "query", "schema": {"type": "integer", "maximum": 5}}
    described = reader.parameters(item, {"parameters": [query]})
    assert [(p["python_name"], p["marker"]) for p in described] == [
        ("device_id", "Path(alias='deviceId')"),
        ("page_size", "Query(alias='pageSize', le=5)"),
    ]


def test_request_schemas_declare_no_default() -> None:
    assert request_default_problems(spec()) == []
    document = spec()
    document["components"]["schemas"]["SiteCreate"]["properties"]["status"]["default"] = "active"
    assert request_default_problems(document) == [
        "components/schemas SiteCreate.status: a request property declares a default, which SDK"
        " generators make required; describe the default instead"
    ]


def test_the_version_header_is_one_parameter_typed_by_one_schema() -> None:
    components = BUNDLED["components"]
    assert components["parameters"]["ApiVersionHeader"]["schema"] == {
        "$ref": "#/components/schemas/ApiVersion"
    }
    assert components["headers"]["XApiVersion"]["schema"] == {
        "$ref": "#/components/schemas/ApiVersion"
    }
    for path, item in BUNDLED["paths"].items():
        assert {"$ref": "#/components/parameters/ApiVersionHeader"} in item["parameters"], path
