"""The reference: a bare FastAPI app with one `async def` route returning a small dict, served
by the same uvicorn as the service (`uvicorn scripts.bench.bare_app:app`).

`quiet_app` is the same app with FastAPI's native OpenTelemetry switched off as the service
switches it off (FastAPI 0.15x and later check on every request whether a global provider was
configured, unless told not to); scripts.bench.runtimes compares both across FastAPI versions.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI

OPTIONS: dict[str, Any] = {"openapi_url": None, "docs_url": None, "redoc_url": None}
app = FastAPI(**OPTIONS)
QUIET = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}
has_telemetry = "telemetry" in inspect.signature(FastAPI.__init__).parameters
quiet_app = FastAPI(**OPTIONS, **({"telemetry": QUIET} if has_telemetry else {}))


@app.get("/")
@quiet_app.get("/")
async def root() -> dict[str, str]:
    """The smallest useful JSON response."""
    return {"status": "ok"}
