"""The bundled spec and an offline Swagger UI: /api/v1/openapi.{json,yaml}, /docs.

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
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

GENERATED = Path(__file__).resolve().parents[2] / "generated"
SPEC_JSON_URL = "/api/v1/openapi.json"
SPEC_YAML_URL = "/api/v1/openapi.yaml"
DOCS_URL = "/docs"
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
DOCS_PAGE = SWAGGER_PAGE.format(assets=ASSETS_URL, source=f'url: "{SPEC_JSON_URL}"')
"""The page served at /docs."""


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


class _Assets(StaticFiles):
    """StaticFiles serving only DOCS_ASSETS (404 for every other file of the package)."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in DOCS_ASSETS:
            return "", None
        return super().lookup_path(path)


def install_docs(app: FastAPI) -> None:
    """Serve the spec as bundled by `make generate`, and Swagger UI from local files."""
    spec_json = (GENERATED / "openapi.json").read_bytes()
    spec_yaml = (GENERATED / "openapi.yaml").read_bytes()
    router = APIRouter(include_in_schema=False)

    @router.get(SPEC_JSON_URL)
    async def openapi_json() -> Response:
        return Response(spec_json, media_type="application/json")

    @router.get(SPEC_YAML_URL)
    async def openapi_yaml() -> Response:
        return Response(spec_yaml, media_type="application/yaml")

    @router.get(DOCS_URL)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    app.include_router(router)
    app.mount(ASSETS_URL, _Assets(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")
