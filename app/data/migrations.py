"""What revision the database schema should be at (the head of alembic/versions) and which
revisions this release knows (a revision it does not know is a later release's)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"


@cache
def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return ScriptDirectory.from_config(config)


def head_revision() -> str | None:
    """The latest migration's revision id."""
    return _scripts().get_current_head()


@cache
def known_revisions() -> frozenset[str]:
    """Every revision id of this release's migrations."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def exists_on(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """An autogenerate ``include_object`` hook leaving out what the models create only on other
    databases (``Index(...).ddl_if(dialect=...)``, e.g. the PostgreSQL trigram indexes)."""

    def include_object(
        item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include_object
