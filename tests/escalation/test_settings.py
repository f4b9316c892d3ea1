"""Settings: ESCALATION_* for the service, shared names for the rest, no placeholder secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from escalation.settings import EscalationSettings, fernet_key_from_secret


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ESCALATION_") or name in {"APP_ENV", "LOG_LEVEL"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


def test_defaults_work_locally_without_configuration() -> None:
    settings = EscalationSettings()
    assert settings.app_env == "development"
    assert settings.redis_url == "redis://127.0.0.1:6380/0"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("var/escalation.sqlite3")
    assert (settings.host, settings.port, settings.retention_days) == ("127.0.0.1", 8000, 30)
    assert settings.plan_retention_days == 365
    assert (settings.sla_urgent_s, settings.sla_other_s, settings.ack_timeout_s) == (60, 300, 10)


def test_own_settings_are_prefixed_and_shared_ones_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("ESCALATION_SERVICE_TOKEN", "a-real-token-value")
    monkeypatch.setenv("ESCALATION_HMAC_KEY", "a-real-hmac-key")
    monkeypatch.setenv("ESCALATION_FERNET_KEY", "a-real-fernet-secret")
    monkeypatch.setenv("ESCALATION_DATABASE_URL", "postgresql://esc@db/escalation")
    monkeypatch.setenv("ESCALATION_RETENTION_DAYS", "14")
    monkeypatch.setenv("ESCALATION_PLAN_RETENTION_DAYS", "90")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///not-ours.db")  # unprefixed: not read
    settings = EscalationSettings()
    assert settings.app_env == "test" and settings.log_level == "DEBUG"
    assert settings.database_url == "postgresql+psycopg://esc@db/escalation"
    assert settings.retention_days == 14
    assert settings.plan_retention_days == 90


@pytest.mark.parametrize("secret", ["service_token", "hmac_key", "fernet_key"])
def test_placeholder_secrets_are_refused_outside_development(secret: str) -> None:
    real = {"service_token": "tok-1234567", "hmac_key": "hmac-123456", "fernet_key": "fer-1234567"}
    with pytest.raises(ValidationError, match=secret.upper()):
        EscalationSettings(app_env="production", **{**real, secret: "changeme"})
    assert EscalationSettings(app_env="production", **real).app_env == "production"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        EscalationSettings(service_timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="weekday"):
        EscalationSettings(service_days="mon,funday")
    with pytest.raises(ValidationError, match="APP_ENV=test"):
        EscalationSettings(fault_crash_after_commit=True)
    with pytest.raises(ValidationError):
        EscalationSettings(ack_timeout_s=30)  # re-delivery must happen within 15 s


def test_a_fernet_key_is_used_as_is_or_derived() -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    assert fernet_key_from_secret(key.decode()) == key
    derived = fernet_key_from_secret("a passphrase")
    assert Fernet(derived).decrypt(Fernet(derived).encrypt(b"x")) == b"x"
    assert derived == fernet_key_from_secret("a passphrase") != fernet_key_from_secret("other")
