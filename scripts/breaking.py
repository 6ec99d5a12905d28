"""`make breaking`: fail on an undeclared breaking change to the API against the previous release.

Each served version is compared with its released document, committed under openapi/releases/
(`v1.json`: v1's last release; a version's file is added when it is first released, see
docs/contributing.md, "Releasing"), so a clone without tags checks the same: v1 may only grow
(the `deprecated` marks and headers are additions). A version without a released document yet
(v2 before its release) is named and skipped. With BREAKING_BASE or --base, v1 is compared with
the generated/openapi.json of that git ref instead, as before the baselines.

Without baselines (a checkout before them), the previous release is, in order:

1. BREAKING_BASE (any git ref), when set;
2. the newest release tag reachable from HEAD: `vX.Y.Z`, highest version first (a release is
   tagged on main as `v` + info.version once its commit is merged; see docs/contributing.md,
   "Releasing");
3. with no release tag yet: the merge base with origin/main or main when HEAD has moved past it
   (a branch is compared with what it forks from);
4. else, on main before its first release tag: HEAD's first parent (the state before the last
   merge), said so loudly, since that is not a release.

Its generated/openapi.json is compared with the working tree's by Optic with the house ruleset
tools/breaking/ruleset.js: removing an operation, a response field or a status, adding a required
field or parameter, or changing or narrowing a type fails; adding an optional field, a response
enum value or a time zone does not.

A breaking change is declared by raising the major part of info.version in openapi/openapi.yaml
and adding a `## <version>` entry to CHANGELOG.md saying what breaks; any version change needs
its CHANGELOG.md entry.

    python scripts/breaking.py                      # each version against its release
    python scripts/breaking.py --base v1.0.0        # against a given ref
    python scripts/breaking.py OLD.json NEW.json    # two files (used by the tests)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "generated" / "openapi.json"
SPEC_IN_GIT = "generated/openapi.json"
CHANGELOG = ROOT / "CHANGELOG.md"
RELEASES = ROOT / "openapi" / "releases"
GENERATED = {1: SPEC, 2: ROOT / "generated" / "v2" / "openapi.json"}
"""Each served version's bundled document, as make generate writes it."""
TOOLS = ROOT / "tools"
OPTIC = TOOLS / "node_modules" / ".bin" / "optic"
STANDARD = "breaking/standard.yml"
"""Relative to tools/, where Optic resolves the ruleset file the standard names."""


def git(*args: str) -> str | None:
    """A git command's output, or None when it fails."""
    result = subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607 - git from PATH, as make and CI run it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


RELEASE_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


def release_tag() -> str | None:
    """The highest `vX.Y.Z` tag reachable from HEAD, if any."""
    listed = git("tag", "--merged", "HEAD", "--list", "v*")
    versions = [
        (tuple(int(part) for part in match.groups()), name)
        for name in (listed or "").split()
        if (match := RELEASE_TAG.match(name))
    ]
    return max(versions)[1] if versions else None


def previous_release() -> tuple[str | None, str]:
    """The git ref the working tree is compared with, and what it is."""
    if os.environ.get("BREAKING_BASE"):
        return os.environ["BREAKING_BASE"], "BREAKING_BASE"
    tag = release_tag()
    if tag:
        return tag, "the latest release tag"
    head = git("rev-parse", "HEAD")
    for branch in ("origin/main", "main"):
        base = git("merge-base", "HEAD", branch)
        if base and base != head:
            return base, f"the merge base with {branch} (no release tag yet)"
    if git("rev-parse", "--verify", "--quiet", "HEAD^1"):
        return "HEAD^1", (
            "HEAD's first parent: NO RELEASE TAG YET, so this is not a release; tag one with"
            " `git tag -a v<info.version> -m 'API <info.version>' <commit on main>`"
        )
    return None, "nothing: HEAD has no parent"


def version(document: dict[str, object]) -> str:
    """info.version of a spec."""
    info = document.get("info")
    return str(info.get("version", "")) if isinstance(info, dict) else ""


def changelog_problem(old: str, new: str) -> str | None:
    """Why a version change is not declared, if it is not."""
    if old == new:
        return None
    text = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else ""
    if f"## {new}" not in text:
        return f"info.version changed {old} -> {new}: add a `## {new}` entry to CHANGELOG.md"
    return None


def compare(old_path: Path, new_path: Path, label: str) -> int:
    """Optic's verdict on the two files, plus the changelog rule; 0 when nothing breaks."""
    if not OPTIC.exists():
        print("tools/node_modules is missing: run `make tools`", file=sys.stderr)
        return 2
    old = json.loads(old_path.read_text(encoding="utf-8"))
    new = json.loads(new_path.read_text(encoding="utf-8"))
    env = os.environ | {"OPTIC_TELEMETRY_LEVEL": "off"}
    command = [OPTIC, "diff", old_path, new_path, "--check", "--standard", STANDARD]
    result = subprocess.run(  # noqa: S603
        [str(part) for part in command], cwd=TOOLS, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    problem = changelog_problem(version(old), version(new))
    if result.returncode == 0 and problem is None:
        print(f"no breaking change against {label} ({version(old)} -> {version(new)})")
        return 0
    print(result.stdout, result.stderr, sep="\n")
    if problem:
        print(problem)
    if result.returncode != 0:
        print(
            f"BREAKING CHANGE against {label}: the lines marked x above name each operation and"
            " rule. Undo it, or declare it: raise the major part of info.version in"
            " openapi/openapi.yaml and describe the break under a `## <version>` entry in"
            " CHANGELOG.md."
        )
    return 1


def against_releases() -> int:
    """Every version against its released document in openapi/releases/; 0 when none breaks."""
    worst = 0
    for number, current in sorted(GENERATED.items()):
        released = RELEASES / f"v{number}.json"
        if not released.exists():
            print(f"v{number}: no released document ({released.relative_to(ROOT)}) yet; skipped")
            continue
        worst = max(worst, compare(released, current, f"v{number}'s release"))
    return worst


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="With no files: the previous release's spec against the working tree's.",
    )
    parser.add_argument("files", nargs="*", type=Path, help="OLD.json NEW.json")
    parser.add_argument("--base", help="git ref of the previous release")
    args = parser.parse_args(argv)
    if len(args.files) == 2:
        return compare(args.files[0], args.files[1], str(args.files[0]))
    if args.files:
        parser.error("give two files, or none")
    if not args.base and not os.environ.get("BREAKING_BASE") and RELEASES.is_dir():
        return against_releases()
    base, what = (args.base, "--base") if args.base else previous_release()
    print(f"previous release: {base} ({what})")
    old_text = git("show", f"{base}:{SPEC_IN_GIT}") if base else None
    if old_text is None:
        print(f"no previous release with {SPEC_IN_GIT} found (base {base}); nothing to compare")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        old_path = Path(tmp) / "previous-release.json"
        old_path.write_text(old_text + "\n", encoding="utf-8")
        return compare(old_path, SPEC, f"{base} ({git('rev-parse', '--short', base)})")


if __name__ == "__main__":
    raise SystemExit(main())
