"""Configuration from the environment (and an optional .env file), validated at start-up."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from functools import cache
from typing import Annotated, Literal, Self

from limits import RateLimitItem, parse_many
from pydantic import AfterValidator, EmailStr, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.config.dev_secret import development_secret_key
from app.domain.emails import canonical_email
from app.domain.validators import accept_every_syntactically_valid_domain

# FIRST_SUPERUSER_EMAIL is an email exactly as the API means it (reserved domains included),
# also where the settings are read without the API (alembic, scripts).
accept_every_syntactically_valid_domain()

PUBLISHED_DEV_KEY = "dev-insecure-secret-key-change-me-in-production"
"""The development key earlier versions published in their source; refused everywhere."""
MIN_SECRET_KEY_LENGTH = 32
ALLOWED_JWT_ALGORITHMS = ("HS256", "HS384", "HS512")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
"""Every user's password policy (the spec's UserCreate.password); a test keeps them equal."""
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


def normalize_database_url(url: str) -> str:
    """Pick the async driver this service uses for each database."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


def parse_rate_limit(value: str) -> tuple[RateLimitItem, ...]:
    """`5/minute`, `100 per hour`, or several separated by `;` (`5/minute;30/hour`)."""
    try:
        items = tuple(parse_many(value))
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a rate limit such as 5/minute or 5/minute;30/hour"
        ) from exc
    if not items:
        raise ValueError("a rate limit needs at least one amount per period, e.g. 5/minute")
    return items


def parse_trusted_proxies(value: str) -> list[str]:
    """Comma-separated IP addresses and CIDR networks (or `*`); empty trusts no proxy."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or network") from exc
    return entries


def parse_origins(value: str) -> list[str]:
    """Comma-separated origins such as `https://app.example.com`; empty means CORS is off."""
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    for origin in origins:
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host:
            raise ValueError(f"{origin!r} is not an origin such as https://app.example.com")
    return origins


class Settings(BaseSettings):
    """Every setting the service reads; see .env.example for their meaning."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=True,
        # A refused value is never echoed: it may be a key, a password or a URL with one.
        hide_input_in_errors=True,
    )

    APP_ENV: Literal["development", "test", "production"] = "development"
    DATABASE_URL: str = "sqlite+aiosqlite:///./data/app.db"
    SECRET_KEY: SecretStr | None = None
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_ISSUER: str = "orgsites-api"
    JWT_AUDIENCE: str = "orgsites-api"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=15, ge=1, le=24 * 60)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1, le=365)
    FIRST_SUPERUSER_EMAIL: Annotated[EmailStr, AfterValidator(canonical_email)] | None = None
    FIRST_SUPERUSER_PASSWORD: SecretStr | None = None
    DB_POOL_SIZE: int = Field(default=5, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_ECHO: bool = False
    DB_CONNECT_TIMEOUT_SECONDS: int = Field(default=3, ge=1, le=60)
    DB_POOL_TIMEOUT_SECONDS: float = Field(default=3, gt=0, le=60)
    DB_STATEMENT_TIMEOUT_SECONDS: float = Field(default=5, gt=0, le=600)
    DB_PREPARED_STATEMENTS: bool = True
    """Server-side prepared statements on PostgreSQL (app.data.database): off behind PgBouncer
    < 1.21 in transaction mode, which hands one server connection's statements to other clients."""
    REQUEST_TIMEOUT_SECONDS: float = Field(default=10, gt=0, le=600)
    API_V1_SUNSET: dt.date = dt.date(2027, 12, 7)
    """When v1 may stop answering, sent as its `Sunset` header (RFC 8594); the default is twelve
    months after v2's release (2026-12-07)."""
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    LOG_FORMAT: Literal["json", "text"] = "json"
    METRICS_ENABLED: bool = True
    METRICS_TOKEN: SecretStr | None = None
    BUILD_REVISION: str | None = None
    PROMETHEUS_MULTIPROC_DIR: str | None = None
    REDIS_URL: SecretStr | None = None
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_LOGIN_PER_IP: str = "20/minute"
    RATE_LIMIT_LOGIN_PER_EMAIL: str = "5/minute"
    RATE_LIMIT_AUTHENTICATED: str = "120/minute"
    RATE_LIMIT_ANONYMOUS: str = "60/minute"
    FORWARDED_ALLOW_IPS: str = ""
    PASSWORD_HASH_MEMORY_KIB: int = Field(default=19 * 1024, ge=1024)
    PASSWORD_HASH_TIME_COST: int = Field(default=2, ge=1)
    PASSWORD_HASH_PARALLELISM: int = Field(default=1, ge=1)
    PASSWORD_HASH_CONCURRENCY: int | None = Field(default=None, ge=1)
    CORS_ALLOW_ORIGINS: str = ""
    IDEMPOTENCY_KEY_TTL_HOURS: int = Field(default=24, ge=1, le=24 * 30)
    """How long an Idempotency-Key's answer is replayed (app.contract.idempotency); older
    records are swept (app.data.sweeper)."""

    @field_validator(
        "RATE_LIMIT_LOGIN_PER_IP",
        "RATE_LIMIT_LOGIN_PER_EMAIL",
        "RATE_LIMIT_AUTHENTICATED",
        "RATE_LIMIT_ANONYMOUS",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    @field_validator("CORS_ALLOW_ORIGINS")
    @classmethod
    def _valid_origins(cls, value: str) -> str:
        parse_origins(value)
        return value

    @field_validator("FORWARDED_ALLOW_IPS")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        parse_trusted_proxies(value)
        return value

    @field_validator("FIRST_SUPERUSER_PASSWORD")
    @classmethod
    def _valid_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not (
            PASSWORD_MIN_LENGTH <= len(value.get_secret_value()) <= PASSWORD_MAX_LENGTH
        ):
            raise ValueError(
                f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters, like every "
                "user's password"
            )
        return value

    @field_validator("METRICS_TOKEN")
    @classmethod
    def _valid_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"METRICS_TOKEN needs at least {MIN_SECRET_KEY_LENGTH} characters")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _valid_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(REDIS_SCHEMES):
            raise ValueError("REDIS_URL must start with " + ", ".join(REDIS_SCHEMES))
        return value

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.DATABASE_URL = normalize_database_url(self.DATABASE_URL)
        if self.SECRET_KEY is None:
            if self.APP_ENV != "development":
                raise ValueError(f"SECRET_KEY must be set when APP_ENV={self.APP_ENV}")
            self.SECRET_KEY = SecretStr(development_secret_key())
        key = self.SECRET_KEY.get_secret_value()
        if key == PUBLISHED_DEV_KEY or (
            self.APP_ENV != "development" and len(key) < MIN_SECRET_KEY_LENGTH
        ):
            raise ValueError(
                f"SECRET_KEY is too weak outside development: use at least {MIN_SECRET_KEY_LENGTH} "
                "random characters, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`"
            )
        if self.APP_ENV == "production" and self.METRICS_ENABLED and self.METRICS_TOKEN is None:
            raise ValueError(
                "METRICS_TOKEN must be set when APP_ENV=production: /metrics shows sign-in "
                "failures, the build and the pools to whoever reaches the port (or set "
                "METRICS_ENABLED=false)"
            )
        if (self.FIRST_SUPERUSER_EMAIL is None) != (self.FIRST_SUPERUSER_PASSWORD is None):
            raise ValueError(
                "set both FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD, or neither"
            )
        return self

    @property
    def secret_key(self) -> str:
        """The signing key (always set once validated)."""
        assert self.SECRET_KEY is not None  # noqa: S101 - guaranteed by _check
        return self.SECRET_KEY.get_secret_value()

    @property
    def trusted_proxies(self) -> list[str]:
        """The addresses whose X-Forwarded-For header is believed."""
        return parse_trusted_proxies(self.FORWARDED_ALLOW_IPS)

    @property
    def password_hash_concurrency(self) -> int:
        """How many password hashes may run at once: PASSWORD_HASH_CONCURRENCY, by default one
        less than the CPUs (at least one), so a core is always left for everything else."""
        if self.PASSWORD_HASH_CONCURRENCY is not None:
            return self.PASSWORD_HASH_CONCURRENCY
        return max(1, (os.cpu_count() or 1) - 1)

    @property
    def cors_origins(self) -> list[str]:
        """The origins browser clients may call the API from; empty: CORS is off."""
        return parse_origins(self.CORS_ALLOW_ORIGINS)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.DATABASE_URL.startswith("sqlite")


@cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
