"""GET /metrics: the Prometheus exposition, outside the API spec and its rate limits.

With METRICS_TOKEN set, a scrape must send it as a bearer token (401 otherwise), so the numbers
of a service reachable from outside its cluster are not public.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request, Response

from app.access.dependencies import bearer_token
from app.edge.problems import problem_response
from app.observability.metrics import Metrics

METRICS_PATH = "/metrics"


def install_metrics_endpoint(app: FastAPI, metrics: Metrics, token: str | None) -> None:
    """Serve ``metrics`` at /metrics, asking for ``token`` when one is set."""

    async def serve_metrics(request: Request) -> Response:
        if token is not None and not _holds(request, token):
            return problem_response(
                request,
                status=401,
                code="not_authenticated",
                detail="Scraping the metrics needs the bearer token set in METRICS_TOKEN.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return Response(metrics.expose(), media_type=metrics.content_type)

    app.router.add_api_route(
        METRICS_PATH,
        serve_metrics,
        methods=["GET"],
        name="metrics",
        response_class=Response,
        include_in_schema=False,
    )


def _holds(request: Request, token: str) -> bool:
    sent = bearer_token(request)
    return sent is not None and hmac.compare_digest(sent.encode(), token.encode())
