"""Rasa custom actions, served by the Rasa action server (Python 3.10).

``python -m rasa_sdk --actions bot.actions`` imports this package and every module
in it; there is no other start-up hook, so this is where the action server's
logging is replaced by our scrubbing JSON logs (rasa_sdk has configured its own
colour logs just before) and Sentry starts when a DSN is set. One module per
concern; actions talk to our services over HTTP only.
"""

import os

from bot.actions.settings import ActionSettings

settings = ActionSettings.from_env()

# Tests import actions without starting a server; they set this to keep pytest's logging.
if os.environ.get("ACTIONS_CONFIGURE_LOGGING", "1") != "0":
    settings.start_observability()
