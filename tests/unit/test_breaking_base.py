"""Which release `make breaking` compares with (scripts/breaking.py), in a scratch git repository:
BREAKING_BASE, else the highest release tag reachable from HEAD, else the merge base with main,
else (on main before any release tag) HEAD's first parent, said so."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts import breaking


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],  # noqa: S607
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _commit(repo: Path, message: str) -> str:
    _git(repo, "commit", "--allow-empty", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two commits on main; scripts/breaking.py pointed at it."""
    _git(tmp_path, "init", "-q", "-b", "main")
    _commit(tmp_path, "one")
    _commit(tmp_path, "two")
    monkeypatch.setattr(breaking, "ROOT", tmp_path)
    monkeypatch.delenv("BREAKING_BASE", raising=False)
    return tmp_path


def test_on_main_before_any_release_the_first_parent_is_named_as_no_release(repo: Path) -> None:
    base, what = breaking.previous_release()
    assert base == "HEAD^1"
    assert "NO RELEASE TAG YET" in what
    assert "git tag -a v<info.version>" in what


def test_a_branch_without_a_release_compares_with_its_merge_base(repo: Path) -> None:
    fork = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, "three")
    assert breaking.previous_release() == (fork, "the merge base with main (no release tag yet)")


def test_the_highest_reachable_release_tag_wins(repo: Path) -> None:
    _git(repo, "tag", "v1.2.0", "HEAD~1")
    _git(repo, "tag", "v1.10.0", "HEAD~1")  # newer than 1.2.0, though it sorts before as text
    _git(repo, "tag", "v1.9.0")  # nearer to HEAD, but older
    _git(repo, "tag", "vnext")  # not a release tag
    _git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, "three")
    _git(repo, "tag", "v99.0.0")  # on a branch that main does not contain
    _git(repo, "checkout", "-q", "main")
    assert breaking.previous_release() == ("v1.10.0", "the latest release tag")


def test_breaking_base_overrides_everything(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _git(repo, "tag", "v1.0.0")
    monkeypatch.setenv("BREAKING_BASE", "main~1")
    assert breaking.previous_release() == ("main~1", "BREAKING_BASE")
