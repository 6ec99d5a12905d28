"""`make docs`: a self-contained API reference (Swagger UI and the bundled specs) in one folder,
for each API version: site/index.html (v1, with site/openapi.{json,yaml}) and site/v2.html (v2,
with site/v2/openapi.{json,yaml}).

python scripts/build_docs.py site    # then open site/index.html or site/v2.html in a browser

The spec is embedded in index.html, so the page works opened as a file: browsers refuse to fetch
one file:// URL from another ("Failed to fetch openapi.json").
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import swagger_ui_bundle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.edge.docs import DOCS_ASSETS, SWAGGER_PAGE  # noqa: E402 - needs the repository on sys.path


def embeddable(spec_json: str) -> str:
    """The spec as a JavaScript literal that cannot end the <script> element it sits in."""
    return json.dumps(json.loads(spec_json), separators=(",", ":")).replace("</", "<\\/")


def build(target: Path) -> None:
    """Copy the assets and the spec, and write index.html with the spec embedded."""
    shutil.rmtree(target, ignore_errors=True)
    (target / "assets").mkdir(parents=True)
    for name in sorted(DOCS_ASSETS):
        shutil.copyfile(Path(swagger_ui_bundle.swagger_ui_path) / name, target / "assets" / name)
    for source, folder, page_name in (
        (ROOT / "generated", target, "index.html"),
        (ROOT / "generated" / "v2", target / "v2", "v2.html"),
    ):
        folder.mkdir(exist_ok=True)
        for name in ("openapi.json", "openapi.yaml"):
            shutil.copyfile(source / name, folder / name)
        spec = (source / "openapi.json").read_text(encoding="utf-8")
        page = SWAGGER_PAGE.format(assets="assets", source=f"spec: {embeddable(spec)}")
        (target / page_name).write_text(page, encoding="utf-8")


if __name__ == "__main__":
    destination = Path(sys.argv[1] if len(sys.argv) > 1 else "site")
    build(destination)
    print(f"API reference written to {destination}/index.html (v1) and {destination}/v2.html (v2)")
