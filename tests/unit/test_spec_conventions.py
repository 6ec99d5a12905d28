"""Where each spec rule lives (docs/architecture.md, "Spec conventions"): the bundler only
bundles and validates OpenAPI; what the code must agree with is the start-up binding's, with
messages naming the operationId; style and completeness are Spectral's (tests/tools/
test_spec_lint.py). Tags and parameters of any casing produce code that binds."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi_code_generator.cli import TITLE_PATTERN

from app.contract.binding import (
    RATE_LIMIT_POLICIES,
    unconfirmed_reauthentication,
    undeclared_access,
    unknown_rate_limits,
)
from generated.operations import OPERATIONS
from generated.protocols import SitesOperations, UsersOperations
from scripts.bundle_spec import bundle, check
from scripts.codegen_visitor import (
    ROUTER_FILE_PATTERN,
    SpecReader,
    pascal_case,
    router_module,
    snake_case,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = json.loads((ROOT / "generated" / "openapi.json").read_text())
SITES = "/api/v1/organizations/{org_id}/sites"


def spec() -> dict[str, Any]:
    return copy.deepcopy(BUNDLED)


def test_the_committed_spec_is_valid_openapi_and_bundles_to_what_is_committed() -> None:
    assert check(spec()) == []
    assert bundle() == BUNDLED


def test_the_bundler_checks_no_house_convention() -> None:
    # Style and completeness are Spectral's, code agreement the binding's: one place each.
    document = spec()
    create = document["paths"][SITES]["post"]
    del create["x-rate-limit"], create["x-permission"], create["summary"]
    create["tags"] = ["site.devices"]
    create["operationId"] = "create_site"
    document["components"]["schemas"]["SiteCreate"]["properties"]["status"]["default"] = "active"
    assert check(document) == []
    assert check({"openapi": "3.1.0"})[0].startswith("invalid OpenAPI: ")


def test_the_committed_spec_agrees_with_the_code() -> None:
    assert undeclared_access(OPERATIONS) == []
    assert unknown_rate_limits(OPERATIONS) == []
    assert unconfirmed_reauthentication(UsersOperations, OPERATIONS) == []
    assert OPERATIONS["updateCurrentUser"].rate_limit == "reauthentication"


def test_a_missing_or_unknown_rate_limit_names_the_operation() -> None:
    for policy in (None, "generous"):
        changed = dataclasses.replace(OPERATIONS["createSite"], rate_limit=policy)
        assert unknown_rate_limits({**OPERATIONS, "createSite": changed}) == [
            "createSite: x-rate-limit must be one of credentials, standard, reauthentication,"
            " exempt"
        ]
    assert RATE_LIMIT_POLICIES == ("credentials", "standard", "reauthentication", "exempt")


def test_a_reauthentication_needs_the_confirming_property_in_its_body() -> None:
    changed = dataclasses.replace(OPERATIONS["createSite"], rate_limit="reauthentication")
    assert unconfirmed_reauthentication(SitesOperations, {**OPERATIONS, "createSite": changed}) == [
        "createSite: x-rate-limit reauthentication, but its request body has no current_password"
    ]


def test_an_operation_declares_exactly_one_of_permission_and_public() -> None:
    site = OPERATIONS["createSite"]
    neither = dataclasses.replace(site, permission=None, public=False)
    both = dataclasses.replace(site, public=True)
    assert undeclared_access({"createSite": neither, "getSite": OPERATIONS["getSite"]}) == [
        "createSite: declares neither x-permission nor x-public: true"
    ]
    assert undeclared_access({"createSite": both}) == [
        "createSite: declares both x-permission and x-public: true"
    ]


def test_every_house_rule_is_listed_where_the_docs_say_each_rule_lives() -> None:
    ruleset = yaml.safe_load((ROOT / ".spectral.yaml").read_text())
    house = {name for name in ruleset["rules"] if name.startswith("house-")}
    section = (ROOT / "docs" / "architecture.md").read_text().split("## Spec conventions")[1]
    section = section.split("\n## ")[0]
    assert set(re.findall(r"`(house-[a-z0-9-]+)`", section)) == house


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
