"""The bundled spec and an offline Swagger UI: /api/v1/openapi.{json,yaml}, /docs."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

GENERATED = Path(__file__).resolve().parent.parent / "generated"
SPEC_JSON_URL = "/api/v1/openapi.json"
SPEC_YAML_URL = "/api/v1/openapi.yaml"
ASSETS_URL = "/docs/assets"

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
      layout: "StandaloneLayout", persistAuthorization: true
    }});
  </script>
</body>
</html>
"""
"""Swagger UI's page; `source` is `url: "..."` (fetched) or `spec: {...}` (embedded)."""


def install_docs(app: FastAPI) -> None:
    """Serve the spec as bundled by `make generate`, and Swagger UI from local files."""
    spec_json = (GENERATED / "openapi.json").read_bytes()
    spec_yaml = (GENERATED / "openapi.yaml").read_bytes()
    page = SWAGGER_PAGE.format(assets=ASSETS_URL, source=f'url: "{SPEC_JSON_URL}"')
    router = APIRouter(include_in_schema=False)

    @router.get(SPEC_JSON_URL)
    async def openapi_json() -> Response:
        return Response(spec_json, media_type="application/json")

    @router.get(SPEC_YAML_URL)
    async def openapi_yaml() -> Response:
        return Response(spec_yaml, media_type="application/yaml")

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    app.include_router(router)
    app.mount(
        ASSETS_URL, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets"
    )
