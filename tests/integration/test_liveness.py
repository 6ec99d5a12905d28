"""Liveness is answered by its route once and from memory afterwards, indistinguishably: the
same status, body and headers, each response with its own request id."""

from __future__ import annotations

import httpx
import pytest

from app.config.settings import Settings
from app.contract.runtime import RequestContext
from app.main import create_app
from generated.v2.models import HealthReport
from handlers.health import HealthHandlers


def _without_request_id(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "x-request-id"}


async def test_later_liveness_answers_come_from_memory_and_match_the_route(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[RequestContext] = []
    original = HealthHandlers.get_liveness

    async def counted(self: HealthHandlers, ctx: RequestContext) -> HealthReport:
        calls.append(ctx)
        return await original(self, ctx)

    monkeypatch.setattr(HealthHandlers, "get_liveness", counted)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        first = await client.get("/health/live")
        second = await client.get("/health/live", headers={"X-Request-ID": "probe-2"})
        third = await client.get("/health/live")
        assert len(calls) == 1
        assert first.status_code == second.status_code == third.status_code == 200
        assert first.content == second.content == third.content
        assert _without_request_id(first) == _without_request_id(second)
        assert second.headers["x-request-id"] == "probe-2"
        assert first.headers["x-request-id"] != third.headers["x-request-id"]
        # Anything but a plain GET still goes to the route: its checks stay in force.
        with_query = await client.get("/health/live", params={"verbose": "1"})
        assert with_query.status_code == 422
        assert (await client.post("/health/live")).status_code == 405
        assert (await client.get("/health/live", headers={"X-API-Version": "9"})).status_code == 400
        assert len(calls) == 1
