"""`make contract`'s CLI stage is a plain `st run`: no hooks, all checks, and one declared
configuration file whose only departure from schemathesis' defaults is what positive data may
be answered (412 for an invented If-Match; 422 for a repeated Idempotency-Key of the four
idempotent operations)."""

from __future__ import annotations

import argparse
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from generated.operations import OPERATIONS
from scripts import contract


def test_the_repository_has_no_schemathesis_configuration() -> None:
    """Schemathesis reads the first schemathesis.toml from its directory upwards: the in-process
    contract tests (run from the repository) see schemathesis' defaults too."""
    assert not [
        d for d in (contract.ROOT, *contract.ROOT.parents) if (d / "schemathesis.toml").exists()
    ]


def test_st_runs_from_an_empty_directory_without_hooks_with_every_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(command=command, cwd=Path(kwargs["cwd"]), env=kwargs["env"])
        seen["files"] = list(Path(kwargs["cwd"]).iterdir())
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setenv("SCHEMATHESIS_HOOKS", "project.hooks")
    monkeypatch.setattr(contract.subprocess, "run", run)
    arguments = argparse.Namespace(seed=1, max_examples=5, max_time=0)
    assert contract.run_schemathesis("http://127.0.0.1:1", "token", arguments) == 1
    assert seen["files"] == []
    assert not seen["cwd"].is_relative_to(contract.ROOT)
    assert not [name for name in seen["env"] if name.startswith("SCHEMATHESIS_")]
    command = seen["command"]
    assert command[1:3] == ["--config-file", str(contract.CONFIG)]
    assert command[3:5] == ["run", "http://127.0.0.1:1/api/v1/openapi.json"]
    assert command[command.index("--checks") + 1] == "all"
    assert "--exclude-checks" not in command


def test_the_configuration_only_widens_the_declared_checks() -> None:
    config = tomllib.loads(contract.CONFIG.read_text())
    assert set(config) == {"checks", "operations"}
    assert set(config["checks"]) == {"positive_data_acceptance", "missing_required_header"}
    # v2's required If-Match: its absence is 428 precondition_required, added to the defaults.
    missing = config["checks"]["missing_required_header"]["expected-statuses"]
    assert sorted(missing) == sorted(["400", "401", "403", "406", "415", "422", "428"])
    defaults = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
    widened = config["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert sorted(widened) == sorted([*defaults, "412"])
    (idempotent,) = config["operations"]
    assert set(idempotent) == {"include-operation-id", "checks"}
    assert sorted(idempotent["include-operation-id"]) == sorted(
        op.operation_id for op in OPERATIONS.values() if op.idempotent
    )
    statuses = idempotent["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert sorted(statuses) == sorted([*widened, "422"])
