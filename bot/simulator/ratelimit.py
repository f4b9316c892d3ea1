"""Token buckets that pace the bot's sends the way Telegram does (roughly).

Telegram publishes no exact algorithm; it says about 30 messages per second overall,
about one per second per chat and 20 per minute per group, with short bursts
tolerated. A token bucket per scope models that: ``capacity`` sends at once, refilled
at ``rate`` per second. Time is passed in, so tests need no clock tricks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_for_token(self, now: float) -> float:
        """Seconds until one token is available (0 when one is there now)."""
        self._refill(now)
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class SendLimiter:
    """A global bucket for the bot and one bucket per chat."""

    def __init__(
        self,
        *,
        global_per_s: float,
        group_per_min: float,
        chat_per_s: float,
        chat_burst: int,
    ) -> None:
        self._global_per_s = global_per_s
        self._group_per_min = group_per_min
        self._chat_per_s = chat_per_s
        self._chat_burst = chat_burst
        self._global: Bucket | None = None
        self._chats: dict[int, Bucket] = {}

    def _bucket_for(self, chat_id: int, is_group: bool, now: float) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                capacity, rate = self._group_per_min, self._group_per_min / 60.0
            else:
                capacity, rate = float(self._chat_burst), self._chat_per_s
            bucket = Bucket(capacity, rate, capacity, now)
            self._chats[chat_id] = bucket
        return bucket

    def check(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Take a token for a send to ``chat_id``; or the whole seconds to retry after."""
        if self._global is None:
            self._global = Bucket(self._global_per_s, self._global_per_s, self._global_per_s, now)
        chat = self._bucket_for(chat_id, is_group, now)
        wait = max(self._global.wait_for_token(now), chat.wait_for_token(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.take(now)
        chat.take(now)
        return None

    def reset(self) -> None:
        self._global = None
        self._chats.clear()
