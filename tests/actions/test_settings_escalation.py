"""The action server's settings for the escalation service (plain environment reads)."""

import pytest

from bot.actions.settings import ActionSettings, SettingsError

pytestmark = pytest.mark.shared


def test_defaults_reach_the_local_service():
    settings = ActionSettings.from_env({})
    assert settings.escalation_url == "http://127.0.0.1:8000"
    assert settings.escalation_service_token == "changeme"  # the service's development placeholder
    assert settings.escalation_timeout_s == 3.0
    assert settings.escalation_default_country == "BE"


def test_values_are_read():
    settings = ActionSettings.from_env({
        "ESCALATION_URL": "https://escalation.internal:8443/",
        "ESCALATION_SERVICE_TOKEN": "s3cr3t-token",
        "ESCALATION_TIMEOUT_S": "1.5",
        "ESCALATION_DEFAULT_COUNTRY": "nl",
    })
    assert settings.escalation_url == "https://escalation.internal:8443"
    assert settings.escalation_service_token == "s3cr3t-token"
    assert settings.escalation_timeout_s == 1.5
    assert settings.escalation_default_country == "NL"


@pytest.mark.parametrize(
    ("env", "name"),
    [({"ESCALATION_URL": "escalation:8000"}, "ESCALATION_URL"),
     ({"ESCALATION_TIMEOUT_S": "soon"}, "ESCALATION_TIMEOUT_S"),
     ({"ESCALATION_TIMEOUT_S": "0"}, "ESCALATION_TIMEOUT_S"),
     ({"ESCALATION_DEFAULT_COUNTRY": "DE"}, "ESCALATION_DEFAULT_COUNTRY")],
)
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(SettingsError, match=name):
        ActionSettings.from_env(env)


def test_the_token_never_shows_in_the_settings_repr():
    settings = ActionSettings.from_env({"ESCALATION_SERVICE_TOKEN": "s3cr3t-token"})
    assert "s3cr3t-token" not in repr(settings)
