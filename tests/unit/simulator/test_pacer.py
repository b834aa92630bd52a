"""The calls-per-second pacer never starts more than `cps` calls in any one-second window."""

import random

from contact_service.simulator.pacer import CpsPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(pacer: CpsPacer, clock: FakeTime, calls: int, jitter: random.Random | None = None) -> list[float]:
    """Start `calls` calls as fast as the pacer allows, moving the fake clock by its waits."""
    starts = []
    while len(starts) < calls:
        wait = pacer.wait()
        if wait > 0:
            clock.now += wait + (jitter.uniform(0, 0.01) if jitter else 0)
            continue
        starts.append(pacer.take())
    return starts


def max_in_window(starts: list[float]) -> int:
    best, first = 0, 0
    for last, moment in enumerate(starts):
        while starts[first] <= moment - 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_bursts_are_spread_to_cps_per_second() -> None:
    clock = FakeTime()
    pacer = CpsPacer(5, now=clock)
    starts = run(pacer, clock, 20)
    assert starts[:5] == [1000.0] * 5
    assert max_in_window(starts) == 5 == pacer.max_in_any_second
    assert starts[-1] - starts[0] >= 3.0


def test_no_window_ever_exceeds_the_limit_with_irregular_arrivals() -> None:
    rng = random.Random(4)
    clock = FakeTime()
    pacer = CpsPacer(7, now=clock)
    starts = []
    for _ in range(400):
        clock.now += rng.choice([0.0, 0.0, 0.01, 0.3, 1.2])
        starts += run(pacer, clock, rng.randint(1, 9), jitter=rng)
    assert max_in_window(starts) <= 7
    assert pacer.max_in_any_second <= 7


def test_the_limit_can_change() -> None:
    clock = FakeTime()
    pacer = CpsPacer(2, now=clock)
    run(pacer, clock, 2)
    assert pacer.wait() > 0.99
    pacer.cps = 4
    assert pacer.wait() == 0.0
