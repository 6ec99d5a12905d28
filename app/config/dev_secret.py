"""The signing key of development runs without SECRET_KEY: random, made once per checkout and
kept in the data directory, so tokens survive restarts but nobody else can mint them."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

DEV_SECRET_KEY_FILE = Path("data") / ".secret_key"
"""Relative to the working directory, beside the default SQLite database (data/app.db)."""
logger = logging.getLogger(__name__)


def development_secret_key(path: Path = DEV_SECRET_KEY_FILE) -> str:
    """The key stored at ``path``; created (mode 0600) on first use. Safe when several workers
    start at once: the key is written to a private temporary file and linked into place, so
    exactly one key wins and nobody reads a half-written one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
            logger.warning(
                "SECRET_KEY is not set: generated a random development key in %s (set SECRET_KEY "
                "outside development)",
                path,
            )
        except FileExistsError:
            pass  # another worker made it first
        finally:
            temporary.unlink()
    return path.read_text().strip()
