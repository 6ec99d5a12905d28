"""The lock files install on every Python the README promises (3.11.0 and up), not only on the
one that resolved them: packages some versions need carry a marker instead of being dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"


@pytest.mark.parametrize("lock", ["app.lock", "dev.lock"])
def test_redis_gets_async_timeout_on_python_before_3_11_3(lock: str) -> None:
    # redis requires async-timeout below 3.11.3; a lock resolved on 3.11.7 alone omits it and
    # `pip install --require-hashes` fails on Debian 12's 3.11.2.
    text = (REQUIREMENTS / lock).read_text()
    assert re.search(r"^async-timeout==[\d.]+ ; python_full_version < '3\.11\.3' \\$", text, re.M)


@pytest.mark.parametrize("lock", ["app.lock", "dev.lock"])
def test_every_requirement_is_pinned_with_hashes(lock: str) -> None:
    entries = re.findall(
        r"^([A-Za-z0-9._-]+)==\S+(?: ;[^\\\n]*)? \\\n((?:\s+--hash=\S+.*\n)+)",
        (REQUIREMENTS / lock).read_text(),
        re.M,
    )
    names = [
        line.split("==")[0]
        for line in (REQUIREMENTS / lock).read_text().splitlines()
        if re.match(r"^[A-Za-z0-9._-]+==", line)
    ]
    assert len(entries) == len(names) > 10
