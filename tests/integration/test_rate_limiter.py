"""The shared calls-per-second budget on a real Redis: never more starts than the budget in any second."""

from __future__ import annotations

import threading
import time

from redis import Redis

from contact_service.adapters.redis_rate_limiter import RateLimiter


def starts_within_any_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    best, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_many_racing_workers_never_exceed_the_budget_in_any_second(redis_client: Redis) -> None:
    limiter = RateLimiter(redis_client)
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        taken = 0
        while taken < 15:
            ok, at = limiter.try_acquire_at([("campaign:1", 20), ("account", 1000)])
            if ok:
                taken += 1
                with lock:
                    granted.append(at)  # Redis's own clock: the judge
            else:
                time.sleep(at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert len(granted) == 120
    assert starts_within_any_second(granted) <= 20
    assert elapsed >= 120 / 20 - 1.2  # the budget, not the workers, set the pace


def test_the_tighter_of_two_budgets_wins_and_a_refusal_records_nothing(redis_client: Redis) -> None:
    limiter = RateLimiter(redis_client)
    assert limiter.try_acquire([("campaign:a", 5), ("account", 2)]) == 0
    assert limiter.try_acquire([("campaign:b", 5), ("account", 2)]) == 0
    wait = limiter.try_acquire([("campaign:a", 5), ("account", 2)])
    assert 0 < wait <= 1.02  # the window (a second plus a jitter margin)
    # The refused attempt did not eat campaign a's budget.
    assert redis_client.zcard("contact_service:cps:campaign:a") == 1


def test_acquire_gives_up_after_its_timeout(redis_client: Redis) -> None:
    limiter = RateLimiter(redis_client)
    assert limiter.acquire([("solo", 1)], timeout=1)
    started = time.monotonic()
    assert not limiter.acquire([("solo", 1)], timeout=0.2)
    assert time.monotonic() - started < 0.5
