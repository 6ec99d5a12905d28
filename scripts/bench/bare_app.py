"""The reference: a bare FastAPI app with one `async def` route returning a small dict, served
by the same uvicorn as the service (`uvicorn scripts.bench.bare_app:app`)."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/")
async def root() -> dict[str, str]:
    """The smallest useful JSON response."""
    return {"status": "ok"}
