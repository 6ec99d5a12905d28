"""Settings: URL normalisation and refusing weak configuration outside development."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.db import Database
from app.settings import DEV_SECRET_KEY, Settings, normalize_database_url, parse_rate_limit


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("sqlite:///./data/app.db", "sqlite+aiosqlite:///./data/app.db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_url_gets_the_async_driver(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected
    assert expected == Settings(APP_ENV="test", DATABASE_URL=url).DATABASE_URL


def test_development_falls_back_to_the_dev_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert Settings(APP_ENV="development").secret_key == DEV_SECRET_KEY


@pytest.mark.parametrize("env", ["test", "production"])
@pytest.mark.parametrize("key", [None, "short", DEV_SECRET_KEY])
def test_outside_development_missing_or_weak_keys_are_refused(env: str, key: str | None) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(APP_ENV=env, SECRET_KEY=key)


def test_production_accepts_a_strong_key() -> None:
    settings = Settings(APP_ENV="production", SECRET_KEY="x" * 48)
    assert settings.secret_key == "x" * 48


def test_first_superuser_needs_both_values() -> None:
    with pytest.raises(ValidationError, match="FIRST_SUPERUSER"):
        Settings(APP_ENV="test", FIRST_SUPERUSER_EMAIL="root@example.com")


def test_empty_environment_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.setenv("APP_ENV", "development")  # an empty key falls back like a missing one
    assert Settings().secret_key == DEV_SECRET_KEY


def test_only_hmac_algorithms_are_allowed() -> None:
    assert Settings(APP_ENV="test", JWT_ALGORITHM="HS512").JWT_ALGORITHM == "HS512"
    with pytest.raises(ValidationError, match="JWT_ALGORITHM"):
        Settings(APP_ENV="test", JWT_ALGORITHM="none")


async def test_sqlite_directory_is_created_with_the_engine(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "dir"
    settings = Settings(APP_ENV="test", DATABASE_URL=f"sqlite:///{directory / 'app.db'}")
    assert not directory.exists()
    database = Database(settings)
    assert directory.is_dir()
    await database.ping()
    await database.dispose()


@pytest.mark.parametrize(
    ("value", "amounts"),
    [("5/minute", [5]), ("100 per hour", [100]), ("5/minute;30/hour", [5, 30])],
)
def test_rate_limits_accept_one_or_several_windows(value: str, amounts: list[int]) -> None:
    settings = Settings(RATE_LIMIT_LOGIN_PER_EMAIL=value)
    assert [
        item.amount for item in parse_rate_limit(settings.RATE_LIMIT_LOGIN_PER_EMAIL)
    ] == amounts


@pytest.mark.parametrize("value", ["lots", "5 per fortnight", "", "/minute"])
def test_malformed_rate_limits_are_refused_at_start_up(value: str) -> None:
    with pytest.raises(ValidationError, match="RATE_LIMIT_ANONYMOUS"):
        Settings(RATE_LIMIT_ANONYMOUS=value or ";")


def test_rate_limit_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        if name.startswith(("RATE_LIMIT_", "REDIS_", "FORWARDED_")):
            monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.RATE_LIMIT_ENABLED, settings.REDIS_URL, settings.trusted_proxies) == (
        True,
        None,
        [],
    )
    assert (settings.RATE_LIMIT_LOGIN_PER_IP, settings.RATE_LIMIT_LOGIN_PER_EMAIL) == (
        "20/minute",
        "5/minute",
    )
    assert (settings.RATE_LIMIT_AUTHENTICATED, settings.RATE_LIMIT_ANONYMOUS) == (
        "120/minute",
        "60/minute",
    )


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings(FORWARDED_ALLOW_IPS="10.0.0.0/8, 127.0.0.1,::1")
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1", "::1"]
    with pytest.raises(ValidationError, match=r"proxy\.internal"):
        Settings(FORWARDED_ALLOW_IPS="10.0.0.1,proxy.internal")


def test_redis_url_must_name_redis() -> None:
    assert Settings(REDIS_URL="redis://127.0.0.1:6379/0").REDIS_URL is not None
    with pytest.raises(ValidationError, match="REDIS_URL"):
        Settings(REDIS_URL="http://127.0.0.1:6379")
