"""structlog, configured once per process, with the scrubber before the renderer.

Every log line, ours and the libraries' (routed from the standard library's
``logging``), passes :func:`scrub_processor`, so message text, names and Telegram
ids do not reach the logs even when a developer logs them by mistake. JSON lines
when stderr is not a terminal (or ``LOG_FORMAT=json``), readable columns otherwise.

Needs only structlog (23.x in the Rasa environment, 26.x here), so the action
server uses it too.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from common.scrub import scrub_value

# Loggers that print URLs with the bot token in them, or one line per HTTP call.
_NOISY = ("httpx", "httpcore", "telegram.ext.ExtBot", "apscheduler", "urllib3",
          # aiosqlite logs every statement with its parameters at DEBUG.
          "aiosqlite")

# structlog's own keys that must pass unchanged for the renderers.
_KEEP = frozenset({"level", "timestamp", "logger", "_record", "_from_structlog"})


def scrub_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: scrub every value of the event (see ``common.scrub``)."""
    return {k: (v if k in _KEEP else scrub_value(v, k)) for k, v in event_dict.items()}


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # A traceback as text, never with local variables: they hold message text.
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        scrub_processor,
    ]


def _want_json(log_format: str, stream: Any) -> bool:
    if log_format == "json":
        return True
    if log_format == "console":
        return False
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(
    level: str = "INFO", log_format: str = "auto", stream: Any = None
) -> None:
    """Configure structlog and the standard library's logging for this process.

    ``log_format``: ``json``, ``console`` or ``auto`` (JSON unless on a terminal).
    ``stream``: where lines go (stderr by default; tests pass a buffer).
    """
    stream = stream if stream is not None else sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if _want_json(log_format, stream)
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared = _shared_processors()
    structlog.configure(
        processors=[
            *shared[:2],
            structlog.stdlib.PositionalArgumentsFormatter(),
            *shared[2:],
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # Lines from libraries' stdlib loggers get the same treatment as ours.
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; call :func:`configure_logging` once at start-up first."""
    return structlog.stdlib.get_logger(name)
