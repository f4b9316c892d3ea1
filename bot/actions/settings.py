"""Settings of the Rasa action server, read once from the environment.

The action server runs in the Python 3.10 environment, where Rasa pins pydantic 1,
so this reads plain ``os.environ`` (no pydantic-settings), with the same variable
names as ``common.settings`` on the 3.11 side. Every setting is in the README's table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helplines import DEFAULT_PATH as DEFAULT_HELPLINES_FILE

_APP_ENVS = ("development", "test", "production")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_LOG_FORMATS = ("auto", "json", "console")


# The escalation service's development placeholder; outside development the service
# itself refuses it, so a missing token shows as 401s (logged) rather than a crash here.
_DEV_TOKEN = "changeme"  # noqa: S105
_PLACEHOLDERS = frozenset({"changeme", "change-me", "change_me", "secret", "password", "test"})


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip()
    normalised = value.upper() if name == "LOG_LEVEL" else value.lower()
    if normalised not in choices:
        raise SettingsError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return normalised


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}: expected {low} to {high}")
    return value


@dataclass(frozen=True)
class ActionSettings:
    app_env: str = "development"
    log_level: str = "INFO"
    log_format: str = "auto"
    sentry_dsn: str | None = None
    sentry_environment: str | None = None
    helplines_file: Path = DEFAULT_HELPLINES_FILE
    escalation_url: str = "http://127.0.0.1:8000"
    escalation_service_token: str = field(default=_DEV_TOKEN, repr=False)
    escalation_timeout_s: float = 3.0
    escalation_default_country: str = "BE"
    silence_escalate_after_s: int = 600
    distress_escalate_after: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionSettings:
        env = os.environ if env is None else env
        dsn = (env.get("SENTRY_DSN") or "").strip() or None
        if dsn is not None and not dsn.startswith(("http://", "https://")):
            raise SettingsError("SENTRY_DSN: expected an http(s) URL")
        app_env = _choice(env, "APP_ENV", _APP_ENVS, "development")
        url = (env.get("ESCALATION_URL") or "http://127.0.0.1:8000").strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise SettingsError("ESCALATION_URL: expected an http(s) URL")
        token = (env.get("ESCALATION_SERVICE_TOKEN") or "").strip() or _DEV_TOKEN
        if app_env != "development" and token.lower() in _PLACEHOLDERS:
            # The same rule as the services' settings (common.settings): a placeholder
            # secret outside development is a deployment mistake, stop at start.
            raise SettingsError(
                f"ESCALATION_SERVICE_TOKEN is a placeholder; set the real token (APP_ENV={app_env})"
            )
        try:
            timeout = float(env.get("ESCALATION_TIMEOUT_S") or 3.0)
        except ValueError:
            raise SettingsError("ESCALATION_TIMEOUT_S: expected a number of seconds") from None
        if not 0 < timeout <= 30:
            raise SettingsError("ESCALATION_TIMEOUT_S: expected more than 0 and at most 30")
        silence = _int(env, "SILENCE_ESCALATE_AFTER_S", 600, 30, 86400)
        recurrence = _int(env, "DISTRESS_ESCALATE_AFTER", 3, 2, 50)
        return cls(
            app_env=app_env,
            log_level=_choice(env, "LOG_LEVEL", _LOG_LEVELS, "INFO"),
            log_format=_choice(env, "LOG_FORMAT", _LOG_FORMATS, "auto"),
            sentry_dsn=dsn,
            sentry_environment=(env.get("SENTRY_ENVIRONMENT") or "").strip() or None,
            helplines_file=Path(env.get("HELPLINES_FILE") or DEFAULT_HELPLINES_FILE),
            escalation_url=url,
            escalation_service_token=token,
            escalation_timeout_s=timeout,
            escalation_default_country=_choice(
                env, "ESCALATION_DEFAULT_COUNTRY", ("be", "nl"), "BE"
            ).upper(),
            silence_escalate_after_s=silence,
            distress_escalate_after=recurrence,
        )

    def start_observability(self) -> None:
        """Scrubbing JSON logs and, with a DSN, Sentry: once, when the server loads us."""
        from common.errors import init_sentry
        from common.logging import configure_logging

        configure_logging(self.log_level, self.log_format)
        init_sentry(self.sentry_dsn, environment=self.sentry_environment or self.app_env)
