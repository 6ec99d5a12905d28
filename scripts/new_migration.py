"""`make migrations m="..."`: autogenerate the next migration from the models, lint-clean.

The models are compared with a throwaway SQLite database migrated to head in a temporary
directory, so neither ./data/app.db nor the DATABASE_URL of a running dev server is touched.
The revision is numbered after the last one (0005 after 0004, file 0005_<slug>.py). When the
models and the migrations already agree nothing is written and the exit status is 1. The file is
formatted and lint-fixed with ruff (format first: `ruff check --fix` alone leaves long lines).

    python scripts/new_migration.py "add site contacts"
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REVISION = re.compile(r"^\d{4}$")


def alembic_config(url: str) -> Config:
    """The project's alembic configuration, aimed at url."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def next_revision(config: Config) -> str:
    """The number after the highest numbered revision, four digits (0005 after 0004)."""
    revisions = [rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()]
    numbers = [int(rev) for rev in revisions if REVISION.fullmatch(rev)]
    return f"{max(numbers, default=0) + 1:04d}"


def autogenerate(message: str, config: Config) -> Path | None:
    """Write the revision for what the models add to the migrated database; None when nothing."""
    empty = False

    def skip_empty(context: Any, revision: Any, directives: list[Any]) -> None:
        nonlocal empty
        if directives[0].upgrade_ops.is_empty():
            empty = True
            directives[:] = []

    command.upgrade(config, "head")
    script = command.revision(
        config,
        message=message,
        autogenerate=True,
        rev_id=next_revision(config),
        process_revision_directives=skip_empty,
    )
    if empty or script is None:
        return None
    return Path(script.path) if not isinstance(script, list) else Path(script[0].path)


def tidy(path: Path) -> None:
    """ruff format, then ruff check --fix, then format again (the fixes may move imports)."""
    for args in (("format",), ("check", "--fix"), ("format",)):
        result = subprocess.run(  # noqa: S603 - the venv's ruff on the file just written
            [str(BIN / "ruff"), *args, "--quiet", str(path)], cwd=ROOT, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"{path.relative_to(ROOT)}: ruff {args[0]} failed; fix it by hand")


def main(argv: list[str] | None = None) -> int:
    """Autogenerate, tidy and report the new migration."""
    args = sys.argv[1:] if argv is None else argv
    message = " ".join(args).strip()
    if not message:
        print('usage: make migrations m="what changed"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="migrations-") as tmp:
        path = autogenerate(message, alembic_config(f"sqlite+aiosqlite:///{tmp}/compare.db"))
    if path is None:
        print(
            "make migrations: the models and alembic/versions already agree; nothing written."
            " (A data-only migration is written by hand: copy the newest one.)",
            file=sys.stderr,
        )
        return 1
    tidy(path)
    print(f"wrote {path.relative_to(ROOT)}: read it, then `make migrate` applies it to ./data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
