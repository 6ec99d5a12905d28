"""`make docs`: the static API reference works opened as a file (no fetch of the spec)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts.build_docs import build, embeddable

GENERATED = Path(__file__).resolve().parents[2] / "generated"


def test_the_page_embeds_the_spec_instead_of_fetching_it(tmp_path: Path) -> None:
    build(tmp_path / "site")
    page = (tmp_path / "site" / "index.html").read_text()
    # A file:// page cannot fetch another file: "Failed to fetch openapi.json".
    assert "url:" not in page
    embedded = re.search(r"spec: (\{.*\}), dom_id", page)
    assert embedded
    assert json.loads(embedded.group(1)) == json.loads((GENERATED / "openapi.json").read_text())
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert (tmp_path / "site" / src).is_file(), src


def test_embedded_text_cannot_close_the_script_element() -> None:
    literal = embeddable('{"description": "see </script><script>alert(1)</script>"}')
    assert "</" not in literal
    assert json.loads(literal) == {"description": "see </script><script>alert(1)</script>"}


def test_the_rate_limit_description_reads_right() -> None:
    description = json.loads((GENERATED / "openapi.json").read_text())["info"]["description"]
    assert "Windows move" not in description
    assert "The window moves: a limit of N per minute" in description
