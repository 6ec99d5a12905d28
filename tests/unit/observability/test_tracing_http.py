"""The request middleware on its own, around small ASGI apps: methods outside the standard set,
exceptions escaping the app, other scope types, and the propagation header reader."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from starlette.types import Receive, Scope, Send

from app.observability.tracing_http import HEADERS, TracingMiddleware


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """The spans of one test."""
    spans = InMemorySpanExporter()
    yield spans
    spans.shutdown()


def traced(app: object, exporter: InMemorySpanExporter) -> TracingMiddleware:
    """``app`` behind the middleware, exporting to ``exporter``."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return TracingMiddleware(app, tracer_provider=provider)  # type: ignore[arg-type]


async def answer(scope: Scope, receive: Receive, send: Send) -> None:
    """204 to anything."""
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def fail(scope: Scope, receive: Receive, send: Send) -> None:
    """Nothing sent; an exception."""
    raise RuntimeError("details that must not be recorded")


async def test_a_method_outside_the_standard_set_is_recorded_as_other(
    exporter: InMemorySpanExporter,
) -> None:
    transport = httpx.ASGITransport(app=traced(answer, exporter))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.request("PURGE", "/anything")
    assert response.status_code == 204
    (span,) = exporter.get_finished_spans()
    assert span.name == "HTTP unmatched"
    assert (span.attributes or {})["http.request.method"] == "_OTHER"
    assert (span.attributes or {})["http.request.method_original"] == "PURGE"


async def test_an_escaping_exception_fails_the_span_by_its_class_and_goes_on(
    exporter: InMemorySpanExporter,
) -> None:
    transport = httpx.ASGITransport(app=traced(fail, exporter))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        with pytest.raises(RuntimeError):
            await http.get("/")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "RuntimeError"
    assert (span.attributes or {})["error.type"] == "RuntimeError"
    assert "http.response.status_code" not in (span.attributes or {})
    assert span.events == ()
    assert "details" not in repr(span.to_json())


async def test_other_scopes_pass_untraced(exporter: InMemorySpanExporter) -> None:
    seen: list[str] = []

    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> dict[str, str]:
        return {}

    async def ignore(message: object) -> None:
        return None

    await traced(lifespan, exporter)({"type": "lifespan"}, nothing, ignore)  # type: ignore[arg-type]
    assert seen == ["lifespan"]
    assert exporter.get_finished_spans() == ()


def test_the_header_reader_finds_every_value_by_lower_case_name() -> None:
    headers = [(b"traceparent", b"00-a-b-01"), (b"baggage", b"a=1"), (b"baggage", b"b=2")]
    assert HEADERS.get(headers, "Baggage") == ["a=1", "b=2"]
    assert HEADERS.get(headers, "tracestate") is None
    assert HEADERS.keys(headers) == ["traceparent", "baggage", "baggage"]
