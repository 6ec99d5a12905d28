"""The build a running service reports: its version and git revision."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.observability.build import VERSION, checkout_revision, revision

ROOT = Path(__file__).resolve().parents[3]
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_the_version_is_pyprojects() -> None:
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == VERSION


def test_a_checkout_on_a_branch(tmp_path: Path) -> None:
    (tmp_path / ".git/refs/heads").mkdir(parents=True)
    (tmp_path / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git/refs/heads/main").write_text(COMMIT + "\n")
    assert checkout_revision(tmp_path) == COMMIT
    assert revision(None, tmp_path) == COMMIT[:12]


def test_a_checkout_with_packed_refs_or_a_detached_head(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git/packed-refs").write_text(f"# pack-refs\n{COMMIT} refs/heads/main\n")
    assert checkout_revision(tmp_path) == COMMIT
    (tmp_path / ".git/HEAD").write_text(COMMIT)
    assert checkout_revision(tmp_path) == COMMIT


def test_the_setting_wins_then_the_images_file_then_unknown(tmp_path: Path) -> None:
    assert revision(None, tmp_path) == "unknown"
    (tmp_path / "REVISION").write_text("feedfacecafe\n")
    assert revision(None, tmp_path) == "feedfacecafe"
    assert revision("abc123", tmp_path) == "abc123"


def test_this_checkout_reports_its_head() -> None:
    if not (ROOT / ".git").is_dir():
        return  # a copy without git history (an sdist, the image)
    assert revision(None) == (checkout_revision(ROOT) or "")[:12]
