"""The bundled specs and an offline Swagger UI: /api/v{n}/openapi.{json,yaml} for each version,
/docs (offering every version), and the v1-to-v2 migration guide at /docs/migrating-to-v2.

Of Swagger UI's package only the files the page loads are served (DOCS_ASSETS): its stock
index.html, which loads petstore.swagger.io, and its OAuth redirect page are not. The page's
Content-Security-Policy (DOCS_PAGE_CSP, sent by app.edge.response_headers) lets it load nothing but
those assets, its own inline script (by hash) and requests to its own origin.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
SPEC_DIRECTORIES = {2: GENERATED / "v2", 1: GENERATED}
"""Each served version's bundled documents (as `make generate` writes them), newest first."""
SPEC_JSON_URL = "/api/v1/openapi.json"
SPEC_YAML_URL = "/api/v1/openapi.yaml"
DOCS_URL = "/docs"
MIGRATION_GUIDE_URL = "/docs/migrating-to-v2"
MIGRATION_GUIDE = ROOT / "docs" / "migrating-to-v2.md"
"""What changed from v1 to v2; v1 responses link to it (Link: rel="deprecation")."""


def spec_urls(version: int) -> tuple[str, str]:
    """Where a version's document is served, as JSON and as YAML."""
    return f"/api/v{version}/openapi.json", f"/api/v{version}/openapi.yaml"


SPEC_URLS = frozenset(url for version in SPEC_DIRECTORIES for url in spec_urls(version))
ASSETS_URL = "/docs/assets"
DOCS_ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-32x32.png",
    }
)
"""The files of Swagger UI's package the page loads (`make docs` copies the same)."""

SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Orgsites API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      {source}, dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout", persistAuthorization: true, validatorUrl: null
    }});
  </script>
</body>
</html>
"""
"""Swagger UI's page; `source` is `url: "..."` (fetched) or `spec: {...}` (embedded).
`validatorUrl: null`: no badge image from validator.swagger.io."""
DOCS_PAGE = SWAGGER_PAGE.format(
    assets=ASSETS_URL,
    source="urls: ["
    + ", ".join(
        f'{{url: "{spec_urls(version)[0]}", name: "v{version}"}}' for version in SPEC_DIRECTORIES
    )
    + "]",
)
"""The page served at /docs: a version picker, the newest version first."""


def _script_hashes(page: str) -> str:
    """CSP sources allowing exactly the page's inline scripts."""
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in scripts
    )


DOCS_PAGE_CSP = (
    f"default-src 'none'; script-src 'self' {_script_hashes(DOCS_PAGE)}; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
"""/docs loads only its own assets, runs only its own inline script, and talks only to its own
origin ("Try it out"); images may be data: URLs (Swagger UI's icons)."""


def _document(content: bytes, media_type: str) -> Callable[[], Awaitable[Response]]:
    """An endpoint answering the same bytes every time."""

    async def document() -> Response:
        return Response(content, media_type=media_type)

    return document


class _Assets(StaticFiles):
    """StaticFiles serving only DOCS_ASSETS (404 for every other file of the package)."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in DOCS_ASSETS:
            return "", None
        return super().lookup_path(path)


def install_docs(app: FastAPI) -> None:
    """Serve each version's spec as bundled by `make generate` (byte for byte), the migration
    guide (when the checkout has it) and Swagger UI from local files."""
    for version, directory in SPEC_DIRECTORIES.items():
        json_url, yaml_url = spec_urls(version)
        suffix = "" if version == 1 else f"_v{version}"
        for url, name, media_type in (
            (json_url, "openapi.json", "application/json"),
            (yaml_url, "openapi.yaml", "application/yaml"),
        ):
            content = (directory / name).read_bytes()
            route_name = name.replace(".", "_") + suffix  # openapi_json, openapi_json_v2
            app.add_api_route(
                url, _document(content, media_type), name=route_name, include_in_schema=False
            )
    if MIGRATION_GUIDE.exists():
        guide = MIGRATION_GUIDE.read_bytes()
        app.add_api_route(
            MIGRATION_GUIDE_URL,
            _document(guide, "text/markdown; charset=utf-8"),
            name="migration_guide",
            include_in_schema=False,
        )

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    app.mount(ASSETS_URL, _Assets(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")
