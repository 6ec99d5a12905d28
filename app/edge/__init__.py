"""The HTTP edge: the ASGI middleware every request passes (limits, 405s, headers, deadline,
CORS), problems, and the pages outside the API (docs, metrics)."""
