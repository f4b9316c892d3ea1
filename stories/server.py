"""The Rasa server with our logs: ``python -m stories.server run ...`` is ``rasa run ...``.

``rasa run`` configures its own structlog chain, which at DEBUG prints events with the
message text (``user_text``, the parse result). Here Rasa's CLI runs unchanged, except
that where it would configure structlog it gets ours instead
(:func:`nlu.detection.quiet_rasa_logging`: JSON lines through the scrubber, Rasa's own
loggers at INFO or above whatever ``LOG_LEVEL`` says). ``make run`` starts the server
this way; Sentry starts when ``SENTRY_DSN`` is set, scrubbed like every other process.
"""

from __future__ import annotations

import os
import sys


def _our_logging(log_level: int | None = None) -> None:
    from common.errors import init_sentry
    from nlu.detection import quiet_rasa_logging

    quiet_rasa_logging(os.environ.get("LOG_LEVEL", "INFO"))
    dsn = (os.environ.get("SENTRY_DSN") or "").strip() or None
    init_sentry(dsn, environment=os.environ.get("SENTRY_ENVIRONMENT") or "development")


def main() -> None:
    import rasa.__main__ as rasa_cli

    # Rasa's main() calls configure_structlog(log_level) just before running the command.
    rasa_cli.configure_structlog = _our_logging  # type: ignore[assignment]
    sys.argv[0] = "rasa"
    rasa_cli.main()


if __name__ == "__main__":
    main()
