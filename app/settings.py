"""Configuration from the environment (and an optional .env file), validated at start-up."""

from __future__ import annotations

from functools import cache
from typing import Literal, Self

from pydantic import EmailStr, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-in-production"  # noqa: S105 - dev only
"""Used only when APP_ENV is development and no SECRET_KEY is set."""
MIN_SECRET_KEY_LENGTH = 32
ALLOWED_JWT_ALGORITHMS = ("HS256", "HS384", "HS512")


def normalize_database_url(url: str) -> str:
    """Pick the async driver this service uses for each database."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


class Settings(BaseSettings):
    """Every setting the service reads; see .env.example for their meaning."""

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", case_sensitive=True
    )

    APP_ENV: Literal["development", "test", "production"] = "development"
    DATABASE_URL: str = "sqlite+aiosqlite:///./data/app.db"
    SECRET_KEY: SecretStr | None = None
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_ISSUER: str = "orgsites-api"
    JWT_AUDIENCE: str = "orgsites-api"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=15, ge=1, le=24 * 60)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1, le=365)
    FIRST_SUPERUSER_EMAIL: EmailStr | None = None
    FIRST_SUPERUSER_PASSWORD: SecretStr | None = None
    DB_POOL_SIZE: int = Field(default=5, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_ECHO: bool = False
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.DATABASE_URL = normalize_database_url(self.DATABASE_URL)
        if self.SECRET_KEY is None:
            if self.APP_ENV != "development":
                raise ValueError(f"SECRET_KEY must be set when APP_ENV={self.APP_ENV}")
            self.SECRET_KEY = SecretStr(DEV_SECRET_KEY)
        key = self.SECRET_KEY.get_secret_value()
        if self.APP_ENV != "development" and (
            len(key) < MIN_SECRET_KEY_LENGTH or key == DEV_SECRET_KEY
        ):
            raise ValueError(
                f"SECRET_KEY is too weak outside development: use at least {MIN_SECRET_KEY_LENGTH} "
                "random characters, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`"
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
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.DATABASE_URL.startswith("sqlite")


@cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
