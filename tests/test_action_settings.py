"""The action server's settings: plain environment reads on the Python 3.10 side."""

import pytest

from bot.actions.settings import ActionSettings, SettingsError

pytestmark = pytest.mark.shared


def test_defaults():
    settings = ActionSettings.from_env({})
    assert settings.app_env == "development"
    assert (settings.log_level, settings.log_format) == ("INFO", "auto")
    assert settings.sentry_dsn is None
    assert settings.helplines_file.is_file()
    assert (settings.silence_escalate_after_s, settings.distress_escalate_after) == (600, 3)


def test_values_are_read_and_normalised():
    env = {
        "APP_ENV": "Production",
        "ESCALATION_SERVICE_TOKEN": "a-real-token-7f3c9",
        "LOG_LEVEL": "debug",
        "SENTRY_DSN": "https://k@s.example/1",
        "HELPLINES_FILE": "/srv/helplines.yaml",
        "SILENCE_ESCALATE_AFTER_S": "900",
        "DISTRESS_ESCALATE_AFTER": " 4 ",
    }
    settings = ActionSettings.from_env(env)
    assert (settings.silence_escalate_after_s, settings.distress_escalate_after) == (900, 4)
    assert settings.app_env == "production" and settings.log_level == "DEBUG"
    assert settings.sentry_dsn == "https://k@s.example/1"
    assert str(settings.helplines_file) == "/srv/helplines.yaml"


def test_a_placeholder_token_is_refused_outside_development():
    with pytest.raises(SettingsError, match="ESCALATION_SERVICE_TOKEN"):
        ActionSettings.from_env({"APP_ENV": "production"})
    assert ActionSettings.from_env({}).app_env == "development"


@pytest.mark.parametrize(
    ("env", "name"),
    [({"APP_ENV": "staging"}, "APP_ENV"), ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
     ({"SENTRY_DSN": "sentry.example"}, "SENTRY_DSN"),
     ({"SILENCE_ESCALATE_AFTER_S": "ten"}, "SILENCE_ESCALATE_AFTER_S"),
     ({"SILENCE_ESCALATE_AFTER_S": "5"}, "SILENCE_ESCALATE_AFTER_S"),
     ({"DISTRESS_ESCALATE_AFTER": "1"}, "DISTRESS_ESCALATE_AFTER")],
)
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(SettingsError, match=name):
        ActionSettings.from_env(env)
