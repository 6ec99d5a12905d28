"""Whether to trace, and the tracer provider when so, from the standard OTEL_* variables.

Tracing is off unless `OTEL_TRACES_EXPORTER` names an exporter or an OTLP endpoint is set
(`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true`
and `OTEL_TRACES_EXPORTER=none` turn it off whatever else is set (an endpoint may be there for
other signals). Off means nothing at all: no provider, no middleware, no database hooks.

On, the provider is the SDK's own, so the SDK reads the rest of its variables itself: the sampler
(`OTEL_TRACES_SAMPLER`), span limits, the batch processor (`OTEL_BSP_*`) and the OTLP exporter
(`OTEL_EXPORTER_OTLP_*`). It is never made the global provider: the app passes it to the request
middleware and the database hooks (app.observability.tracing_http, app.observability.tracing_db), so
every app built in one process (tests build many) keeps its own."""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

SERVICE_NAME = "orgsites-api"
"""service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names another."""
EXPORTERS = ("otlp", "console")
"""The trace exporters this service ships (`none` turns tracing off)."""
OTLP_PROTOCOL = "http/protobuf"
"""The one OTLP transport installed (opentelemetry-exporter-otlp-proto-http)."""


class TracingConfigurationError(RuntimeError):
    """The OTEL_* variables ask for something this service cannot do."""


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def exporter_names(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The trace exporters the environment asks for; empty when tracing is off.

    Raises TracingConfigurationError for an exporter or OTLP protocol that is not installed.
    """
    if _is_true(environ.get("OTEL_SDK_DISABLED")):
        return ()
    listed = environ.get("OTEL_TRACES_EXPORTER", "")
    names = tuple(dict.fromkeys(n.strip().lower() for n in listed.split(",") if n.strip()))
    if "none" in names:
        return ()
    if not names:
        endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        names = ("otlp",) if any(environ.get(name, "").strip() for name in endpoints) else ()
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise TracingConfigurationError(
            f"OTEL_TRACES_EXPORTER={listed!r}: unknown trace exporter {unknown[0]!r}; "
            f"this service can export traces with {', '.join(EXPORTERS)}, or `none` for no "
            "tracing"
        )
    if "otlp" in names:
        _check_otlp_protocol(environ)
    return names


def _check_otlp_protocol(environ: Mapping[str, str]) -> None:
    for variable in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        protocol = environ.get(variable, "").strip()
        if protocol:
            if protocol != OTLP_PROTOCOL:
                raise TracingConfigurationError(
                    f"{variable}={protocol!r}: this service exports OTLP over {OTLP_PROTOCOL} "
                    "only (port 4318); unset it or set it to http/protobuf"
                )
            return


def tracing_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment switches tracing on (see the module text)."""
    return bool(exporter_names(environ))


def error_type(error: BaseException) -> str:
    """An exception as the `error.type` attribute names it: its class, module-qualified (never
    its message, which may quote a statement's values)."""
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def service_resource(service_version: str) -> Resource:
    """The SDK's resource (its detectors, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) over this
    service's defaults for service.name and service.version."""
    defaults = {"service.name": SERVICE_NAME, "service.version": service_version}
    configured = OTELResourceDetector().detect().attributes
    return Resource.create({**defaults, **configured})


def _exporter(name: str) -> SpanExporter:
    """The named exporter, configured from its own OTEL_* variables (imported only when used:
    the OTLP one brings an HTTP client and protobuf)."""
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def tracer_provider_from_environment(service_version: str) -> TracerProvider | None:
    """A provider exporting through a batch processor per exporter, or None when off."""
    names = exporter_names(os.environ)
    if not names:
        return None
    provider = TracerProvider(resource=service_resource(service_version))
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    return provider
