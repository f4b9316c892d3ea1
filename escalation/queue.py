"""The handoff queue in Redis: which escalation a counsellor is shown next.

**Sorted sets with leases, not Streams.** The queue must serve by risk and then by age,
and let waiting items age upward so that no one starves. A Stream is FIFO: priority
would need one stream per level plus a scheduler across them, and aging would mean
moving entries between streams. A sorted set orders by a score we choose, so
priority and aging are one number (below), and a second sorted set of lease deadlines
gives acknowledgement and re-delivery (the visibility timeout of SQS-style queues).
Every multi-key step is one Lua script, so it is atomic.

**The score** (lower is served first) is fixed when an item is queued::

    score = queued_at_epoch_seconds - rank * aging_step_s

with rank 4 for imminent, 3 direct, 2 indirect, 1 distress. Within a level, older
first; across levels an item gets a head start of ``aging_step_s`` per level, so a
distress item that has waited three steps ranks with an imminent one queued now.
No re-scoring job is needed, and SQL lists the queue in the same order
(``escalations.queue_score``). Only a raised risk (a merged signal) changes the score:
the same formula at the new rank, from the escalation's creation (``rescore``).

**Redis is not the truth.** SQL says what should be delivered
(``escalations.delivery_pending``); the reconciler puts back whatever Redis lost.
Delivery is at least once: a delivery not acknowledged before its lease ends goes
back to the queue and is delivered again. The claim itself is decided in SQL, so a
second delivery can never make a second owner.

Keys (``p`` is ``ESCALATION_REDIS_PREFIX``, ``esc:`` by default); none has a TTL
because each entry is removed by the step that ends it (ack, claim, close) and the
reconciler's lock is the only key that expires:

=====================  =====  ==========================================================
``p + "queue"``        zset   escalation id -> score; waiting to be delivered
``p + "inflight"``     zset   escalation id -> lease deadline (ms); delivered, not acked
``p + "scores"``       hash   escalation id -> score, kept while in flight (re-delivery
                              puts the item back with its original age, or the score of
                              a risk raised meanwhile)
``p + "leases"``       hash   escalation id -> lease token of the current delivery
``p + "attempts"``     hash   escalation id -> deliveries so far (1 = first delivery)
``p + "lock:reconcile"`` str  the reconciler's single-flight lock; PX = lock lease
``p + "wake"``         chan   pub/sub: something was queued (wakes long-polls early)
=====================  =====  ==========================================================
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from escalation.models import RiskLevel

# KEYS: queue, inflight. ARGV: id, score.
# Not while in flight: the running delivery stands (an ack or its expiry decides).
_ENQUEUE = """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
if added == 1 then redis.call('PUBLISH', KEYS[3], '1') end
return added
"""

# KEYS: queue, inflight, scores, wake. ARGV: id, score. The risk rose (a merge): a waiting
# item moves to its new place (added if missing). In flight, the running delivery stands
# and only its saved score changes, for a re-delivery; the acknowledgement sees that the
# risk changed and queues it again. 1 when added.
_RESCORE = """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  return 0
end
local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PUBLISH', KEYS[4], '1')
return added
"""

# KEYS: queue, inflight, scores, leases, attempts. ARGV: now_ms, lease_ms, token.
# First return expired leases to the queue with their original score (re-delivery),
# then lease the best item. Returns {redelivered, id, token, attempts, score} or
# {redelivered}.
_LEASE = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local score = redis.call('HGET', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  if score then redis.call('ZADD', KEYS[1], 'NX', score, id) end
end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return {#expired} end
local id, score = top[1], top[2]
redis.call('ZREM', KEYS[1], id)
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[3], id, score)
redis.call('HSET', KEYS[4], id, ARGV[3])
local attempts = redis.call('HINCRBY', KEYS[5], id, 1)
return {#expired, id, ARGV[3], attempts, score}
"""

# KEYS: inflight, scores, leases, attempts. ARGV: id, token. 1 if the lease was current.
_ACK = """
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

# KEYS: queue, inflight, scores, leases, attempts. ARGV: id. Forget the item entirely.
_REMOVE = """
local n = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return n
"""

# KEYS: lock. ARGV: token. Release only our own lock.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def queue_score(queued_at_epoch_s: float, risk: RiskLevel, aging_step_s: float) -> float:
    """Lower is served first: older first, with a head start per risk level."""
    return queued_at_epoch_s - risk.rank * aging_step_s


@dataclass(frozen=True)
class Lease:
    """One delivery: who it is, the token to acknowledge it with, and which attempt."""

    escalation_id: str
    token: str
    attempt: int
    score: float


@dataclass(frozen=True)
class LeaseResult:
    lease: Lease | None
    redelivered: int  # expired leases returned to the queue by this call


class HandoffQueue:
    """The Redis side of delivery; every method is one round trip."""

    def __init__(self, redis: Redis, prefix: str = "esc:") -> None:
        self.redis = redis
        self.prefix = prefix
        self.k_queue = prefix + "queue"
        self.k_inflight = prefix + "inflight"
        self.k_scores = prefix + "scores"
        self.k_leases = prefix + "leases"
        self.k_attempts = prefix + "attempts"
        self.k_lock = prefix + "lock:reconcile"
        self.channel = prefix + "wake"
        self._enqueue = redis.register_script(_ENQUEUE)
        self._rescore = redis.register_script(_RESCORE)
        self._lease = redis.register_script(_LEASE)
        self._ack = redis.register_script(_ACK)
        self._remove = redis.register_script(_REMOVE)
        self._unlock = redis.register_script(_UNLOCK)

    async def enqueue(self, escalation_id: str, score: float) -> bool:
        """Queue ``escalation_id`` unless Redis holds it already; True when added."""
        keys = [self.k_queue, self.k_inflight, self.channel]
        return bool(await self._enqueue(keys=keys, args=[escalation_id, repr(score)]))

    async def rescore(self, escalation_id: str, score: float) -> bool:
        """Queue ``escalation_id`` at ``score`` even if it waits already; True when added."""
        keys = [self.k_queue, self.k_inflight, self.k_scores, self.channel]
        return bool(await self._rescore(keys=keys, args=[escalation_id, repr(score)]))

    async def lease(self, now_ms: int, lease_ms: int) -> LeaseResult:
        """Take the best waiting item for ``lease_ms``; re-queue expired leases first."""
        token = secrets.token_urlsafe(12)
        keys = [self.k_queue, self.k_inflight, self.k_scores, self.k_leases, self.k_attempts]
        raw = cast(list[Any], await self._lease(keys=keys, args=[now_ms, lease_ms, token]))
        redelivered = int(raw[0])
        if len(raw) == 1:
            return LeaseResult(None, redelivered)
        lease = Lease(_s(raw[1]), _s(raw[2]), int(raw[3]), float(_s(raw[4])))
        return LeaseResult(lease, redelivered)

    async def ack(self, escalation_id: str, token: str) -> bool:
        """End a delivery; False when the lease is not current (expired, re-delivered)."""
        keys = [self.k_inflight, self.k_scores, self.k_leases, self.k_attempts]
        return bool(await self._ack(keys=keys, args=[escalation_id, token]))

    async def remove(self, escalation_id: str) -> None:
        """Forget an escalation (claimed or closed: nothing left to deliver)."""
        keys = [self.k_queue, self.k_inflight, self.k_scores, self.k_leases, self.k_attempts]
        await self._remove(keys=keys, args=[escalation_id])

    async def holds(self, escalation_ids: list[str]) -> set[str]:
        """The ids Redis holds, waiting or in flight."""
        if not escalation_ids:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for escalation_id in escalation_ids:
                pipe.zscore(self.k_queue, escalation_id)
                pipe.zscore(self.k_inflight, escalation_id)
            found = await pipe.execute()
        return {
            escalation_id
            for i, escalation_id in enumerate(escalation_ids)
            if found[2 * i] is not None or found[2 * i + 1] is not None
        }

    async def depth(self) -> tuple[int, int]:
        """(waiting, in flight)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.k_queue)
            pipe.zcard(self.k_inflight)
            waiting, inflight = await pipe.execute()
        return int(waiting), int(inflight)

    async def acquire_lock(self, ttl_ms: int) -> str | None:
        """The reconciler's lock: a token when we hold it, None when another replica does."""
        token = secrets.token_urlsafe(12)
        got = await self.redis.set(self.k_lock, token, nx=True, px=ttl_ms)
        return token if got else None

    async def release_lock(self, token: str) -> None:
        await self._unlock(keys=[self.k_lock], args=[token])


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
