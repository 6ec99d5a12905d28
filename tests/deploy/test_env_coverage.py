"""Every variable the service reads is set, or at least named, wherever it is deployed.

Names come from app.config.settings.Settings, plus WEB_CONCURRENCY (read by uvicorn) and
FORWARDED_ALLOW_IPS (the trusted proxies). In Kubernetes, secrets go to the Secret example and
everything else to the ConfigMap.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from functools import cache

import pytest
from pydantic import SecretStr

from app.config.settings import Settings
from tests.deploy.files import ROOT, manifest, only, service

OUTSIDE_SETTINGS = frozenset({"WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"})
URLS_WITH_CREDENTIALS = frozenset({"DATABASE_URL", "REDIS_URL"})


@cache
def expected() -> frozenset[str]:
    """Every environment variable the deployed service reads."""
    return frozenset(Settings.model_fields) | OUTSIDE_SETTINGS


def secret_names() -> frozenset[str]:
    """Settings typed SecretStr, and the URLs that carry passwords."""
    secret = {
        name
        for name, field in Settings.model_fields.items()
        if SecretStr in (field.annotation, *typing.get_args(field.annotation))
    }
    return frozenset(secret) | (URLS_WITH_CREDENTIALS & expected())


def env_example() -> set[str]:
    """The names .env.example sets."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and line[0] != "#"}


def configmap() -> set[str]:
    """The names the ConfigMap sets."""
    return set(only("ConfigMap")["data"])


def secret() -> set[str]:
    """The names the Secret example sets."""
    return set(manifest("secret.example.yaml")["stringData"])


def compose_api() -> set[str]:
    """The names the compose api service sets."""
    return set(service("api")["environment"])


def compose_migrate() -> set[str]:
    """The names the compose migrate service sets."""
    return set(service("migrate")["environment"])


SOURCES: dict[str, Callable[[], set[str]]] = {
    ".env.example": env_example,
    "docker-compose.yml api": compose_api,
    "docker-compose.yml migrate": compose_migrate,
    "deploy/k8s ConfigMap and Secret": lambda: configmap() | secret(),
}


def test_the_names_come_from_the_settings() -> None:
    assert {"APP_ENV", "DATABASE_URL", "SECRET_KEY"} <= expected()
    assert {"SECRET_KEY", "FIRST_SUPERUSER_PASSWORD", "DATABASE_URL"} <= secret_names()


@pytest.mark.parametrize("source", SOURCES)
def test_every_variable_is_present(source: str) -> None:
    missing = expected() - SOURCES[source]()
    assert not missing, f"{source} lacks {sorted(missing)}"


@pytest.mark.parametrize("source", [name for name in SOURCES if name != ".env.example"])
def test_no_variable_is_unknown(source: str) -> None:
    unknown = SOURCES[source]() - expected()
    assert not unknown, f"{source} sets {sorted(unknown)}, which nothing reads"


def test_secrets_are_in_the_secret_and_nothing_else_is() -> None:
    assert secret_names() <= secret()
    assert not secret_names() & configmap()
    assert not configmap() & secret()
    assert secret() <= secret_names()
