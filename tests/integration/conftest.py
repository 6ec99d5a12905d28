"""Fixtures shared by integration tests: the app traced into memory, every statement a span
(tracing tests and the statement counts of reads)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.config.settings import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """Where the traced app's spans end up, each as soon as it ends."""
    return InMemorySpanExporter()


@pytest.fixture(scope="module")
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    """A provider exporting synchronously to ``exporter`` (never the global one)."""
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield tracer_provider
    tracer_provider.shutdown()


@pytest.fixture(scope="module")
async def traced_app(settings: Settings, provider: TracerProvider) -> AsyncIterator[FastAPI]:
    """The app on the test database, traced with ``provider``, started."""
    application = create_app(settings, tracer_provider=provider)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def traced(
    traced_app: FastAPI, exporter: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the traced app; the exporter holds only this test's spans."""
    exporter.clear()
    transport = httpx.ASGITransport(app=traced_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
