"""The simulated world: who exists, which groups there are, who is in them.

Read from a YAML file (``SIMULATOR_WORLD_FILE``; the default is ``default_world.yaml``
next to this module) and validated with pydantic, so a typo stops the simulator at
start with the field named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["teen", "counsellor", "coordinator"]
BotStatus = Literal["admin", "member", "absent"]

# Colours Telegram allows for forum topic icons.
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserSpec(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "nl"
    role: Role = "teen"
    id: int | None = Field(default=None, gt=0)


class TopicSpec(_Strict):
    name: str = Field(min_length=1, max_length=128)
    icon_color: int = TOPIC_COLORS[0]


class GroupSpec(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    id: int | None = Field(default=None, lt=0)
    forum: bool = False
    owner: str | None = None
    admins: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    bot: BotStatus = "admin"
    topics: list[TopicSpec] = Field(default_factory=list)
    description: str | None = None


class WorldSpec(_Strict):
    users: list[UserSpec]
    groups: list[GroupSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_exist(self) -> WorldSpec:
        keys = [u.key for u in self.users]
        if len(set(keys)) != len(keys):
            raise ValueError("user keys must be unique")
        group_keys = [g.key for g in self.groups]
        if len(set(group_keys)) != len(group_keys):
            raise ValueError("group keys must be unique")
        known = set(keys)
        for group in self.groups:
            named = [*group.admins, *group.members, *([group.owner] if group.owner else [])]
            unknown = sorted(set(named) - known)
            if unknown:
                raise ValueError(f"group {group.key!r} names unknown users: {unknown}")
            if group.topics and not group.forum:
                raise ValueError(f"group {group.key!r} has topics but is not a forum")
        return self


def load_world(path: Path) -> WorldSpec:
    """Read and validate a world file."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return WorldSpec.model_validate(raw)
