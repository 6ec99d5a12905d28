"""`make generate` on a copy of the repository: quiet (no FutureWarning from the code generators)
and byte-identical to the committed generated/."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generate_is_quiet_and_reproduces_generated(tmp_path: Path) -> None:
    for name in ("app", "openapi", "scripts", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")

    result = subprocess.run(  # our own script, in a copy of the repository
        [sys.executable, "scripts/generate.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr, result.stderr
    compared = filecmp.dircmp(ROOT / "generated", tmp_path / "generated", ignore=["__pycache__"])
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    routers = filecmp.dircmp(ROOT / "generated" / "routers", tmp_path / "generated" / "routers")
    assert not routers.diff_files and not routers.left_only and not routers.right_only
