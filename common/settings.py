"""Settings shared by the Python 3.11+ processes (gateway, escalation service, simulator).

Read from environment variables and an optional ``.env`` file in the working
directory; every setting is listed in the README's table. Services subclass
:class:`CommonSettings` with their own prefix for their own settings.
The Rasa side (Python 3.10, pydantic 1) reads the same variables with plain
``os.environ`` in ``bot/actions/settings.py``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from helplines import DEFAULT_PATH as DEFAULT_HELPLINES_FILE

# Values people paste from examples; refused for secrets outside development.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "password", "xxx", "todo", "test"}
)


class CommonSettings(BaseSettings):
    """What every process needs: where it runs, how it logs, where errors go."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    # These names are shared by every process: an alias keeps them unprefixed in
    # subclasses that set an env_prefix (ESCALATION_, SIMULATOR_, ...).
    app_env: Literal["development", "test", "production"] = Field(
        default="development",
        validation_alias="APP_ENV",
        description="development, test or production",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="LOG_LEVEL"
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        validation_alias="LOG_FORMAT",
        description="json, console, or auto (json unless on a terminal)",
    )
    sentry_dsn: AnyHttpUrl | None = Field(
        default=None, validation_alias="SENTRY_DSN", description="unset = no Sentry"
    )
    sentry_environment: str | None = Field(
        default=None, validation_alias="SENTRY_ENVIRONMENT", description="defaults to APP_ENV"
    )
    sentry_traces_sample_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, validation_alias="SENTRY_TRACES_SAMPLE_RATE"
    )
    helplines_file: Path = Field(
        default=DEFAULT_HELPLINES_FILE,
        validation_alias="HELPLINES_FILE",
        description="the helpline directory coordinators edit",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> CommonSettings:
        if self.app_env == "development":
            return self
        for name in type(self).model_fields:
            value: Any = getattr(self, name)
            if isinstance(value, SecretStr) and (
                value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            ):
                raise ValueError(
                    f"{name.upper()} is a placeholder; "
                    f"set a real secret when APP_ENV={self.app_env}"
                )
        return self

    def start_observability(self) -> None:
        """Configure logging and, when a DSN is set, Sentry: call once at process start."""
        from common.errors import init_sentry
        from common.logging import configure_logging

        configure_logging(self.log_level, self.log_format)
        init_sentry(
            str(self.sentry_dsn) if self.sentry_dsn else None,
            environment=self.sentry_environment or self.app_env,
            traces_sample_rate=self.sentry_traces_sample_rate,
        )


@functools.lru_cache(maxsize=1)
def get_settings() -> CommonSettings:
    """The process's settings, read once; tests call ``get_settings.cache_clear()``."""
    return CommonSettings()
