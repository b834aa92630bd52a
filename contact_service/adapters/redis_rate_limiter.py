"""Calls-per-second budgets shared by every worker: an atomic sliding-window log in Redis.

A call may start only if, in the last second by Redis's own clock (never a worker's), fewer calls than the
limit started under every budget it draws on (its campaign's and the provider account's). The check and the
record happen in one Lua script, so no one-second window ever holds more starts than the budget, however
many workers race for it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

from redis import Redis

PREFIX = "contact_service:cps:"
# Slightly more than a second: the provider sees a call a few milliseconds after its slot was granted, and
# that jitter must not let one extra start into any one-second window as the provider counts them.
WINDOW_MICROSECONDS = 1_020_000

# KEYS: one sorted set per budget. ARGV: window, limit per key..., then a unique member.
# Returns {1, now} when the call may start (recorded in every budget), else {0, microseconds to wait}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[i + 1])
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local free_at = tonumber(oldest[2]) + window
    if free_at - now > wait then wait = free_at - now end
  end
end
if wait > 0 then return {0, wait} end
local member = ARGV[#KEYS + 2]
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, 3000)
end
return {1, now}
"""


class RateLimiter:
    """Grants call starts under one or more per-second budgets."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._acquire = redis.register_script(_ACQUIRE)

    def try_acquire(self, budgets: Sequence[tuple[str, int]]) -> float:
        """Take a slot in every budget (name, calls per second) at once; 0.0 if taken, else seconds to wait."""
        granted, value = self.try_acquire_at(budgets)
        return 0.0 if granted else value

    def try_acquire_at(self, budgets: Sequence[tuple[str, int]]) -> tuple[bool, float]:
        """Like try_acquire, also telling when (Redis time, seconds since the epoch) a slot was granted."""
        keys = [PREFIX + name for name, _ in budgets]
        limits = [str(limit) for _, limit in budgets]
        granted, value = self._acquire(keys=keys, args=[WINDOW_MICROSECONDS, *limits, uuid.uuid4().hex])
        return bool(granted), int(value) / 1_000_000

    def acquire(self, budgets: Sequence[tuple[str, int]], timeout: float) -> bool:
        """Wait (up to `timeout` real seconds) for a slot in every budget; False if none came in time."""
        deadline = time.monotonic() + timeout
        while True:
            wait = self.try_acquire(budgets)
            if wait == 0:
                return True
            if time.monotonic() + wait > deadline:
                return False
            # A little after the slot frees, so racing workers do not all retry at the same instant.
            time.sleep(wait + 0.0005 * (uuid.uuid4().int % 8))
