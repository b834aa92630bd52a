"""Operational counters kept in Redis (shared by every process); counting never breaks the request."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "contact_service:counter:"


def increment(redis: Redis, name: str) -> None:
    """Add one to a named counter; a Redis failure is logged, not raised."""
    try:
        redis.incr(PREFIX + name)
    except RedisError as exc:
        log.warning("could not count %s: %s", name, exc)


def read_all(redis: Redis) -> dict[str, int]:
    """Every counter by name."""
    keys = list(redis.scan_iter(match=PREFIX + "*"))
    if not keys:
        return {}
    values = redis.mget(keys)
    return {key.decode().removeprefix(PREFIX): int(value or 0) for key, value in zip(keys, values, strict=True)}
