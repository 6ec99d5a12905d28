"""What build is running: the version, and the git revision it was built from."""

from __future__ import annotations

from pathlib import Path

VERSION = "1.0.0"
"""The service's version (pyproject.toml's; a test keeps the two equal)."""
UNKNOWN = "unknown"
SOURCE = Path(__file__).resolve().parents[2]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def checkout_revision(root: Path = SOURCE) -> str | None:
    """The commit a git checkout at ``root`` has out, read from .git without running git."""
    git = root / ".git"
    head = _read(git / "HEAD")
    if head is None or not head.startswith("ref: "):
        return head or None
    ref = head.removeprefix("ref: ")
    loose = _read(git / ref)
    if loose:
        return loose
    for line in (_read(git / "packed-refs") or "").splitlines():
        commit, _, name = line.partition(" ")
        if name == ref:
            return commit
    return None


def revision(configured: str | None, root: Path = SOURCE) -> str:
    """BUILD_REVISION when set, else the image's (the REVISION file its build writes), else the
    checkout's commit, else `unknown`."""
    found = configured or _read(root / "REVISION") or checkout_revision(root)
    return found[:12] if found else UNKNOWN
