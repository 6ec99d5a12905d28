"""Benchmarks run when asked for by path (`pytest tests/performance/test_endpoints.py`), and
never in the default run (pyproject's `-m 'not performance'`)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    """Lift the default `not performance` filter when every path given is in this directory."""
    paths = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    only_here = paths and all(path == HERE or HERE in path.parents for path in paths)
    if only_here and config.option.markexpr == "not performance":
        config.option.markexpr = ""
