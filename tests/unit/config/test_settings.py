"""Settings: URL normalisation and refusing weak configuration outside development."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config.dev_secret import DEV_SECRET_KEY_FILE
from app.config.settings import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    PUBLISHED_DEV_KEY,
    Settings,
    normalize_database_url,
    parse_rate_limit,
)
from app.data.database import Database


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


ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "s" * 48


def test_development_generates_a_random_key_once_and_keeps_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.WARNING)
    first = Settings(APP_ENV="development").secret_key
    assert first != PUBLISHED_DEV_KEY
    assert len(first) >= 32
    key_file = tmp_path / DEV_SECRET_KEY_FILE
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert str(DEV_SECRET_KEY_FILE) in caplog.text
    assert first not in caplog.text
    assert Settings(APP_ENV="development").secret_key == first
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left behind


def test_each_checkout_gets_its_own_development_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = set()
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        keys.add(Settings(APP_ENV="development").secret_key)
    assert len(keys) == 2


def test_the_published_development_key_is_refused_everywhere() -> None:
    for env in ("development", "test", "production"):
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(APP_ENV=env, SECRET_KEY=PUBLISHED_DEV_KEY)


def test_a_refused_secret_is_never_printed_back() -> None:
    weak = "my-weak-secret"
    with pytest.raises(ValidationError) as refused:
        Settings(APP_ENV="production", SECRET_KEY=weak, FIRST_SUPERUSER_EMAIL="a@example.com")
    assert weak not in str(refused.value)
    assert weak not in repr(refused.value)
    url = "postgresql://user:hunter2-password@db/app"
    with pytest.raises(ValidationError) as bad_limit:
        Settings(APP_ENV="test", SECRET_KEY=STRONG_KEY, DATABASE_URL=url, DB_POOL_SIZE=0)
    assert "hunter2" not in str(bad_limit.value)


@pytest.mark.parametrize("password", ["abc", "seven77", "x" * (PASSWORD_MAX_LENGTH + 1)])
def test_the_first_superuser_password_follows_the_user_policy(password: str) -> None:
    with pytest.raises(ValidationError, match="FIRST_SUPERUSER_PASSWORD") as refused:
        Settings(
            APP_ENV="test",
            SECRET_KEY=STRONG_KEY,
            FIRST_SUPERUSER_EMAIL="root@example.com",
            FIRST_SUPERUSER_PASSWORD=password,
        )
    assert password not in str(refused.value)


def test_the_password_policy_is_the_spec_s() -> None:
    schemas = json.loads((ROOT / "generated" / "openapi.json").read_text())["components"]["schemas"]
    for name in ("UserCreate", "UserUpdate", "CurrentUserUpdate"):
        password = schemas[name]["properties"]["password"]
        assert (password["minLength"], password["maxLength"]) == (
            PASSWORD_MIN_LENGTH,
            PASSWORD_MAX_LENGTH,
        )


def test_settings_accept_emails_the_api_accepts() -> None:
    # In a fresh interpreter, as alembic and the migration job read the settings (no API loaded).
    code = (
        "from app.config.settings import Settings; "
        "print(Settings(APP_ENV='test', SECRET_KEY='s' * 48, "
        "FIRST_SUPERUSER_EMAIL='admin@example.test', FIRST_SUPERUSER_PASSWORD='long-enough-1')"
        ".FIRST_SUPERUSER_EMAIL)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "admin@example.test"


@pytest.mark.parametrize("env", ["test", "production"])
@pytest.mark.parametrize("key", [None, "short", PUBLISHED_DEV_KEY])
def test_outside_development_missing_or_weak_keys_are_refused(env: str, key: str | None) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(APP_ENV=env, SECRET_KEY=key)


def test_production_accepts_a_strong_key() -> None:
    settings = Settings(APP_ENV="production", SECRET_KEY="x" * 48, METRICS_TOKEN="m" * 48)
    assert settings.secret_key == "x" * 48


def test_production_refuses_anonymous_metrics() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN must be set when APP_ENV=production"):
        Settings(APP_ENV="production", SECRET_KEY="x" * 48)
    off = Settings(APP_ENV="production", SECRET_KEY="x" * 48, METRICS_ENABLED=False)
    assert off.METRICS_TOKEN is None
    assert Settings(APP_ENV="test", SECRET_KEY="x" * 48).METRICS_TOKEN is None


def test_first_superuser_needs_both_values() -> None:
    with pytest.raises(ValidationError, match="FIRST_SUPERUSER"):
        Settings(APP_ENV="test", FIRST_SUPERUSER_EMAIL="root@example.com")


def test_empty_environment_values_count_as_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.setenv("APP_ENV", "development")  # an empty key falls back like a missing one
    assert Settings().secret_key == (tmp_path / DEV_SECRET_KEY_FILE).read_text()


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
