"""Shared response sets: `x-responses: <set>` in openapi/ bundles into plain OpenAPI, in the order
the responses would have if written out in full, and an unknown set stops the bundle."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scripts.bundle_spec import RESPONSE_SETS, BundleError, bundle

ROOT = Path(__file__).resolve().parents[2]
SITES = "/api/v1/organizations/{org_id}/sites"


def test_the_bundle_has_no_response_set_keys_and_every_set_written_out() -> None:
    document = bundle()
    sets = yaml.safe_load((ROOT / "openapi" / RESPONSE_SETS).read_text())
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                assert "x-responses" not in operation
    create = document["paths"][SITES]["post"]["responses"]
    assert list(create) == [
        "201", "400", "401", "403", "404", "409", "413", "414", "422", "429", "431", "405",
        "500", "503",
    ]  # fmt: skip
    assert set(sets["idempotent"]) <= set(create)  # createSite is x-idempotent
    assert create["409"] == {"$ref": "#/components/responses/IdempotentConflict"}
    update = document["paths"][f"{SITES}/{{site_id}}"]["patch"]["responses"]
    assert set(sets["write-resource"]) <= set(update)
    assert update["409"] == {"$ref": "#/components/responses/WriteConflict"}
    assert update["412"] == {"$ref": "#/components/responses/PreconditionFailed"}


def test_a_response_the_operation_writes_replaces_the_sets() -> None:
    listing = bundle()["paths"][SITES]["get"]["responses"]
    assert listing["404"] == {"$ref": "#/components/responses/OrganizationListNotFound"}
    assert list(listing)[:4] == ["200", "400", "401", "404"]


def test_an_unknown_set_names_the_operation(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "openapi", tmp_path / "openapi")
    sites = tmp_path / "openapi" / "paths" / "sites.yaml"
    sites.write_text(sites.read_text().replace("x-responses: read", "x-responses: reads", 1))
    with pytest.raises(BundleError, match=r"GET .*/sites \(listSites\): x-responses 'reads'"):
        bundle(tmp_path / "openapi" / "openapi.yaml")
