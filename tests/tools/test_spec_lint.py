"""Spectral with .spectral.yaml (`make spec-lint`): the served spec is clean, and the house rules
catch the conventions they encode."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / "tools" / "node_modules" / ".bin" / "spectral"
pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not SPECTRAL.exists(), reason="needs the Node tools: make tools"),
]
SITES = "/api/v1/organizations/{org_id}/sites"


def lint(spec: Path) -> list[dict[str, Any]]:
    """Spectral's findings for the file, as JSON."""
    result = subprocess.run(  # noqa: S603
        [str(SPECTRAL), "lint", str(spec), "--ruleset", ".spectral.yaml", "-f", "json", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return findings


def test_the_served_spec_is_clean() -> None:
    assert lint(ROOT / "generated" / "openapi.yaml") == []


def test_the_house_rules_catch_broken_conventions(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())
    not_found = spec["components"]["responses"]["NotFound"]["content"]
    not_found["application/json"] = not_found.pop("application/problem+json")
    create = spec["paths"][SITES]["post"]
    create["x-permission"] = "site:write"
    create["x-owner"] = "team-a"
    del create["responses"]["405"]
    del spec["components"]["schemas"]["SiteCreate"]["properties"]["name"]["maxLength"]
    del spec["components"]["schemas"]["Site"]["properties"]["id"]["description"]
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    assert {finding["code"] for finding in lint(broken)} == {
        "house-errors-are-problems",
        "house-every-operation-documents-405-and-500",
        "house-extensions-known",
        "house-permission-name",
        "house-properties-described",
        "house-request-strings-bounded",
    }


def test_every_property_needs_its_own_description(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())
    del spec["components"]["schemas"]["SiteEnvelope"]["properties"]["data"]["description"]
    del spec["components"]["schemas"]["FieldError"]["properties"]["message"]["description"]
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    paths = {
        ".".join(map(str, finding["path"]))
        for finding in lint(broken)
        if finding["code"] == "house-properties-described"
    }
    assert paths == {
        "components.schemas.SiteEnvelope.properties.data",
        "components.schemas.FieldError.properties.message",
    }


def test_the_house_rules_moved_from_the_bundler_catch_what_it_caught(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())
    sites = spec["paths"][SITES]
    sites["parameters"] = [p for p in sites["parameters"] if "ApiVersionHeader" not in str(p)]
    create = sites["post"]
    create["operationId"] = "create_site"
    create["tags"] = ["site.devices"]
    del create["summary"]
    create["parameters"] = [{"name": "$filter", "in": "query", "schema": {"type": "boolean"}}]
    create["requestBody"]["content"]["application/json"]["schema"] = {"type": "object"}
    create["responses"]["404"] = {"description": "A response without the quota headers."}
    liveness = spec["paths"]["/health/live"]["get"]
    liveness["responses"]["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    spec["components"]["schemas"]["SiteCreate"]["properties"]["status"]["default"] = "active"
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    assert {f["code"] for f in lint(broken)} >= {
        "house-version-header",
        "house-operation-id-camel-case",
        "house-one-tag",
        "house-operation-documented",
        "house-parameter-names",
        "house-named-body-schemas",
        "house-limited-responses-carry-quota-headers",
        "house-exempt-operations-document-no-429",
        "house-request-properties-no-default",
    }


def test_an_operation_must_document_every_status_the_service_can_answer(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())
    create = spec["paths"][SITES]["post"]["responses"]
    for status in ("413", "414", "431", "503", "409"):
        del create[status]
    del spec["paths"][SITES]["get"]["responses"]["422"]
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    findings = set()
    for finding in lint(broken):
        status = re.search(r"responses\[(\d+)\]", finding["message"])
        findings.add((finding["path"][2], status[1] if status else None, finding["code"]))
    assert findings == {
        # createSite is x-idempotent: without its 409 it no longer declares idempotency_key_in_use
        ("post", None, "house-idempotent-declares-the-key"),
        ("post", "413", "house-every-operation-documents-the-edge-statuses"),
        ("post", "414", "house-every-operation-documents-the-edge-statuses"),
        ("post", "431", "house-every-operation-documents-the-edge-statuses"),
        ("post", "503", "house-database-operations-document-503"),
        ("post", "409", "house-writes-document-409"),
        ("get", "422", "house-every-operation-documents-the-edge-statuses"),
    }


def test_the_retry_rules_catch_undeclared_behaviour(tmp_path: Path) -> None:
    """x-idempotent and x-resource agree with the headers and responses, both ways."""
    spec = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())
    item = spec["paths"][f"{SITES}/{{site_id}}"]
    del spec["paths"][SITES]["post"]["x-idempotent"]  # the key stays declared
    item["patch"]["parameters"] = []  # If-Match gone
    del item["get"]["responses"]["304"]
    del item["get"]["responses"]["200"]["headers"]["ETag"]
    item["delete"]["x-resource"] = "device"
    spec["paths"][SITES]["get"]["parameters"].append({"$ref": "#/components/parameters/IfMatch"})
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    assert {finding["code"] for finding in lint(broken)} == {
        "house-idempotency-key-only-where-idempotent",
        "house-resource-writes-declare-if-match",
        "house-resource-get-declares-if-none-match",
        "house-resource-answers-carry-etag",
        "house-resource-names",
        "house-if-match-only-on-resource-writes",
    }


def test_the_v2_served_spec_is_clean() -> None:
    assert lint(ROOT / "generated" / "v2" / "openapi.yaml") == []


def test_the_if_match_rules_tie_x_if_match_to_428_both_ways(tmp_path: Path) -> None:
    """v2's `x-if-match: required` goes with a required If-Match and a documented 428."""
    spec = yaml.safe_load((ROOT / "generated" / "v2" / "openapi.yaml").read_text())
    item = spec["paths"]["/api/v2/organizations/{org_id}/sites/{site_id}"]
    del item["patch"]["responses"]["428"]  # required, but 428 undocumented
    del item["delete"]["x-if-match"]  # 428 and a required If-Match, undeclared
    item["get"]["x-if-match"] = "required"  # on a read
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(spec))
    assert {finding["code"] for finding in lint(broken)} == {
        "house-if-match-required-declares-428",
        "house-if-match-required-only-with-x-if-match",
        "house-if-match-required-only-with-x-if-match-parameter",
        "house-if-match-only-on-writes",
    }
