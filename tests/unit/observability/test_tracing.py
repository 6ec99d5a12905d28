"""Tracing's switch and provider: off by default, on for an exporter or an OTLP endpoint,
OTEL_SDK_DISABLED and `none` win, unknown exporters refused; the provider's resource."""

from __future__ import annotations

import os

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from app.observability.tracing import (
    TracingConfigurationError,
    error_type,
    exporter_names,
    tracer_provider_from_environment,
    tracing_enabled,
)

ENDPOINT = "http://collector:4318"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """os.environ without any OTEL_* variable the developer's shell may have set."""
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_off_by_default() -> None:
    assert not tracing_enabled({})
    assert not tracing_enabled({"OTEL_SERVICE_NAME": "orgsites-api", "OTEL_TRACES_SAMPLER": "x"})


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "console"}, ("console",)),
        ({"OTEL_TRACES_EXPORTER": " OTLP , console,otlp"}, ("otlp", "console")),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, ("otlp",)),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{ENDPOINT}/v1/traces"}, ("otlp",)),
        (
            {"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT},
            ("console",),
        ),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            ("otlp",),
        ),
    ],
)
def test_an_exporter_or_an_endpoint_switches_it_on(
    environ: dict[str, str], exporters: tuple[str, ...]
) -> None:
    assert exporter_names(environ) == exporters
    assert tracing_enabled(environ)


@pytest.mark.parametrize(
    "environ",
    [
        {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"},
        {"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT},
        {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "jaeger"},
        {"OTEL_TRACES_EXPORTER": "none"},
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": " "},
    ],
)
def test_sdk_disabled_and_none_win(environ: dict[str, str]) -> None:
    assert exporter_names(environ) == ()


def test_sdk_disabled_false_does_not_disable() -> None:
    assert tracing_enabled({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "console"})


@pytest.mark.parametrize("listed", ["jaeger", "otlp,zipkin", "prometheus"])
def test_an_unknown_exporter_is_refused_by_name(listed: str) -> None:
    with pytest.raises(TracingConfigurationError) as refused:
        exporter_names({"OTEL_TRACES_EXPORTER": listed})
    message = str(refused.value)
    assert "OTEL_TRACES_EXPORTER" in message
    assert "unknown trace exporter" in message
    assert "otlp, console" in message


@pytest.mark.parametrize(
    "variable", ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
)
def test_otlp_over_grpc_is_refused_since_only_http_is_installed(variable: str) -> None:
    with pytest.raises(TracingConfigurationError, match=f"{variable}='grpc'.*http/protobuf"):
        exporter_names({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, variable: "grpc"})


def test_the_traces_protocol_overrides_the_general_one() -> None:
    environ = {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
    }
    assert exporter_names(environ) == ("otlp",)


def test_no_provider_when_off(clean_environment: pytest.MonkeyPatch) -> None:
    assert tracer_provider_from_environment("1.0.0") is None
    clean_environment.setenv("OTEL_TRACES_EXPORTER", "otlp")
    clean_environment.setenv("OTEL_SDK_DISABLED", "true")
    assert tracer_provider_from_environment("1.0.0") is None


def test_the_provider_exports_in_batches_to_each_exporter(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("OTEL_TRACES_EXPORTER", "otlp,console")
    provider = tracer_provider_from_environment("1.2.3")
    assert provider is not None
    try:
        processors = provider._active_span_processor._span_processors
        assert all(isinstance(p, BatchSpanProcessor) for p in processors)
        exporters = [type(p.span_exporter) for p in processors]
        assert exporters == [OTLPSpanExporter, ConsoleSpanExporter]
    finally:
        provider.shutdown()


def resource_attributes() -> dict[str, object]:
    """The resource of the provider the environment asks for (shut down once read)."""
    provider = tracer_provider_from_environment("1.2.3")
    assert provider is not None
    try:
        return dict(provider.resource.attributes)
    finally:
        provider.shutdown()


def test_the_resource_names_the_service_unless_the_environment_does(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("OTEL_TRACES_EXPORTER", "console")
    attributes = resource_attributes()
    assert attributes["service.name"] == "orgsites-api"
    assert attributes["service.version"] == "1.2.3"

    clean_environment.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=a,deployment.environment=x")
    attributes = resource_attributes()
    assert attributes["service.name"] == "a"
    assert attributes["deployment.environment"] == "x"

    clean_environment.setenv("OTEL_SERVICE_NAME", "orgsites-eu")
    attributes = resource_attributes()
    assert attributes["service.name"] == "orgsites-eu"
    assert attributes["service.version"] == "1.2.3"


def test_the_sampler_comes_from_the_sdk_environment(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("OTEL_TRACES_EXPORTER", "console")
    clean_environment.setenv("OTEL_TRACES_SAMPLER", "always_off")
    provider = tracer_provider_from_environment("1.0.0")
    assert provider is not None
    assert provider.sampler.get_description() == "AlwaysOffSampler"
    provider.shutdown()


def test_an_error_is_named_by_its_class_never_its_message() -> None:
    assert error_type(ValueError("secret@example.com")) == "ValueError"
    assert (
        error_type(TracingConfigurationError("x"))
        == "app.observability.tracing.TracingConfigurationError"
    )
