"""Settings of the escalation service: ``ESCALATION_*`` variables, plus the shared ones.

The shared settings (``APP_ENV``, ``LOG_LEVEL``, ``SENTRY_DSN``, ...) keep their
unprefixed names, as every process reads them; only this service's own settings
carry the ``ESCALATION_`` prefix. Secrets are ``SecretStr``: the base class refuses
placeholder values outside development, and development gets fixed, clearly marked
keys so that ``make run`` works without configuration.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from common.settings import CommonSettings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "escalation.sqlite3"

# Development-only secrets: obvious, and refused outside development (see below).
_DEV_TOKEN = "changeme"  # noqa: S105 (the placeholder the base class refuses)
_DEV_HMAC = "changeme"
_DEV_FERNET = "changeme"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def fernet_key_from_secret(secret: str) -> bytes:
    """A Fernet key: the secret itself when it is one, else derived from it (SHA-256)."""
    raw = secret.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"escalation-fernet:" + raw).digest())


class EscalationSettings(CommonSettings):
    """Everything the escalation service reads; every field is in escalation/README.md."""

    model_config = SettingsConfigDict(env_prefix="ESCALATION_")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE}",
        description="SQLAlchemy URL; sqlite:/// or postgresql:// (drivers are added)",
    )
    redis_url: str = Field(default="redis://127.0.0.1:6380/0", description="the handoff queue")
    redis_prefix: str = Field(default="esc:", min_length=1, max_length=32)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    migrate_on_start: bool = Field(
        default=True, description="run Alembic upgrade to head when the service starts"
    )

    service_token: SecretStr = Field(default=SecretStr(_DEV_TOKEN))
    hmac_key: SecretStr = Field(default=SecretStr(_DEV_HMAC))
    fernet_key: SecretStr = Field(default=SecretStr(_DEV_FERNET))

    retention_days: int = Field(default=30, ge=1, le=3650)
    plan_retention_days: int = Field(
        default=365, ge=1, le=3650, description="a safety plan neither updated nor read"
    )
    ack_timeout_s: float = Field(default=10.0, gt=0, le=15.0)
    sla_urgent_s: float = Field(default=60.0, gt=0, description="imminent and direct")
    sla_other_s: float = Field(default=300.0, gt=0, description="indirect and distress")
    aging_step_s: float = Field(
        default=600.0, gt=0, description="waiting this long raises an item one risk level"
    )
    reconcile_interval_s: float = Field(default=5.0, gt=0)
    purge_interval_s: float = Field(default=3600.0, gt=0)
    outbox_grace_s: float = Field(
        default=2.0, ge=0, description="outbox rows younger than this belong to a request"
    )
    peer_harm_window_s: float = Field(
        default=300.0,
        ge=30,
        le=86400,
        description="at most one 'how we talk here' reminder per group in this window; "
        "hurtful replies to one teen at risk in one group within it count on one alert",
    )

    fault_crash_after_commit: bool = Field(
        default=False,
        description="fault tests only (APP_ENV=test): SIGKILL the process between commit "
        "and enqueue",
    )

    service_timezone: str = "Europe/Brussels"
    service_days: str = Field(default="mon,tue,wed,thu,fri,sat,sun")
    service_start: time = time(16, 0)
    service_end: time = time(22, 0)
    default_country: Literal["BE", "NL"] = "BE"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("service_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("service_days")
    @classmethod
    def _days(cls, value: str) -> str:
        days = [d.strip().lower() for d in value.split(",") if d.strip()]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {','.join(WEEKDAYS)}")
        return ",".join(days)

    @model_validator(mode="after")
    def _hours(self) -> EscalationSettings:
        if self.service_start == self.service_end:
            raise ValueError("ESCALATION_SERVICE_START and _END must differ")
        if self.fault_crash_after_commit and self.app_env != "test":
            raise ValueError("ESCALATION_FAULT_CRASH_AFTER_COMMIT is for APP_ENV=test only")
        return self

    @property
    def service_weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.service_days.split(",") if d)

    @property
    def fernet_key_bytes(self) -> bytes:
        return fernet_key_from_secret(self.fernet_key.get_secret_value())

    @property
    def sync_database_url(self) -> str:
        return sync_database_url(self.database_url)


def async_database_url(url: str) -> str:
    """The URL with an asyncio driver (aiosqlite, psycopg) added when none is named."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+pysqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("postgres://", "postgresql+psycopg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def sync_database_url(url: str) -> str:
    """The same database with a blocking driver, for Alembic."""
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url  # psycopg 3 serves both


@functools.lru_cache(maxsize=1)
def get_settings() -> EscalationSettings:
    """The process's settings, read once; tests call ``get_settings.cache_clear()``."""
    return EscalationSettings()
