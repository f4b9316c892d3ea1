"""The simulator's settings: environment variables with the ``SIMULATOR_`` prefix."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import CommonSettings

# A token of the shape Telegram hands out; only ever valid against this simulator.
DEFAULT_TOKEN = "7000000001:SIMULATOR-local-token-never-valid-at-tg"  # noqa: S105
DEFAULT_WORLD_FILE = Path(__file__).parent / "default_world.yaml"


class SimulatorSettings(CommonSettings):
    """Where the simulator listens, which bot it plays host to, how strict it is."""

    model_config = SettingsConfigDict(
        env_prefix="SIMULATOR_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    host: str = Field(default="127.0.0.1", description="address the simulator listens on")
    port: int = Field(default=8080, ge=0, le=65535, description="port of the Bot API and page")
    bot_token: SecretStr = Field(
        default=SecretStr(DEFAULT_TOKEN), description="the token the local bot uses"
    )
    bot_username: str = Field(
        default="hulplijn_sim_bot", pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$",
        description="the local bot's @username (deep links use it)",
    )
    bot_name: str = Field(default="Hulplijn", description="the local bot's first name")
    world_file: Path = Field(
        default=DEFAULT_WORLD_FILE, description="YAML file with the users, groups and topics"
    )
    privacy_mode: bool = Field(
        default=True,
        description="a bot that is not admin sees only commands, replies and mentions in groups",
    )
    rate_limits: bool = Field(default=True, description="answer 429 beyond the send rates")
    rate_global_per_s: float = Field(default=30.0, gt=0, description="messages/s for the bot")
    rate_group_per_min: float = Field(default=20.0, gt=0, description="messages/min per group")
    rate_chat_per_s: float = Field(default=1.0, gt=0, description="messages/s per private chat")
    rate_chat_burst: int = Field(
        default=3, ge=1, description="messages a private chat accepts at once before pacing"
    )
    callback_timeout_s: float = Field(
        default=15.0, gt=0, description="a callback query older than this can no longer be answered"
    )
    max_long_poll_s: float = Field(
        default=50.0, gt=0, description="upper bound on getUpdates' timeout"
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> SimulatorSettings:
    """The process's simulator settings, read once."""
    return SimulatorSettings()
