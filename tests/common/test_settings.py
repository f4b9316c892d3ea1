"""Settings come from the environment and .env, and refuse what cannot work."""

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from common.settings import CommonSettings, get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("APP_ENV", "LOG_LEVEL", "LOG_FORMAT", "SENTRY_DSN", "SENTRY_ENVIRONMENT",
                 "SENTRY_TRACES_SAMPLE_RATE", "HELPLINES_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_run_locally_without_any_configuration():
    settings = CommonSettings()
    assert settings.app_env == "development"
    assert settings.sentry_dsn is None
    assert settings.helplines_file.is_file()


def test_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example.org/4")
    settings = CommonSettings()
    assert settings.log_level == "DEBUG"
    assert str(settings.sentry_dsn).startswith("https://key@sentry.example.org")


def test_a_dot_env_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\nLOG_FORMAT=console\n")
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = CommonSettings()
    assert settings.log_level == "WARNING"
    assert settings.log_format == "json"


def test_an_empty_variable_means_unset(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", "")
    assert CommonSettings().sentry_dsn is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("APP_ENV", "staging"), ("LOG_LEVEL", "LOUD"), ("SENTRY_DSN", "not a url"),
     ("SENTRY_TRACES_SAMPLE_RATE", "2")],
)
def test_bad_values_are_refused_with_the_setting_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        CommonSettings()


class WithSecret(CommonSettings):
    pseudonym_key: SecretStr = SecretStr("changeme")


def test_placeholder_secrets_are_refused_outside_development(monkeypatch):
    assert WithSecret().pseudonym_key.get_secret_value() == "changeme"
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ValidationError, match="PSEUDONYM_KEY is a placeholder"):
        WithSecret()
    monkeypatch.setenv("PSEUDONYM_KEY", "a-real-key-from-the-vault-7f3c9")
    assert WithSecret().app_env == "production"


class PrefixedService(CommonSettings):
    model_config = SettingsConfigDict(**{**CommonSettings.model_config, "env_prefix": "SVC_"})
    port: int = 9000


def test_a_service_prefix_applies_to_its_own_settings_only(monkeypatch):
    monkeypatch.setenv("SVC_PORT", "9100")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("SVC_LOG_LEVEL", "DEBUG")  # not a setting: the shared name wins
    settings = PrefixedService()
    assert settings.port == 9100
    assert settings.log_level == "WARNING"


def test_the_getter_reads_once():
    assert get_settings() is get_settings()


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.M))


# Every process's settings class; each reads environment variables named by its prefix.
SETTINGS_CLASSES = [
    "bot.simulator.settings:SimulatorSettings",
    "escalation.settings:EscalationSettings",
]


def env_names(cls: type[CommonSettings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    names = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else (prefix + field_name).upper())
    return names


def test_every_setting_is_in_the_readme_table():
    import importlib

    from bot.actions.settings import ActionSettings

    documented = readme_settings()
    names = env_names(CommonSettings)
    names |= {n.upper() for n in ActionSettings.__dataclass_fields__}
    for spec in SETTINGS_CLASSES:
        module, _, name = spec.partition(":")
        names |= env_names(getattr(importlib.import_module(module), name))
    assert names - documented == set(), "settings missing from the README's table"
