"""How long things take on one call: drawn once, deterministically, from (seed, number, k)."""

from __future__ import annotations

import math
import random

from contact_service.simulator import draws
from contact_service.simulator.call import Call

GREETING = (6.0, 12.0)  # an answering machine's greeting, before the beep


def plan_timing(call: Call, seed: int) -> None:
    """Set the call's ringing, answer, beep and detection times (simulated seconds)."""
    persona, request = call.persona, call.request
    rng = draws.generator(seed, request.to, call.k, "timing")
    call.ringing_after = rng.uniform(0.3, 1.0)
    low, high = persona.ring
    call.ring_after = rng.uniform(low, high) if math.isfinite(high) else math.inf
    greeting = rng.uniform(*GREETING)
    call.beep_after = greeting if persona.amd == "machine" else 0.0
    if request.machine_detection:
        result, after = _detection(persona.amd, request.machine_detection, greeting, request.amd_timeout, rng)
        if after > request.amd_timeout:
            result, after = "unknown", request.amd_timeout
        call.amd_result, call.amd_after = result, after


def _detection(found: str | None, mode: str, greeting: float, timeout: float, rng: random.Random) -> tuple[str, float]:
    """What answering machine detection reports, and after how many seconds from the answer."""
    if found == "human":
        return "human", rng.uniform(1.5, 3.0)  # "Hello?" then a pause
    if found == "fax":
        return "fax", rng.uniform(2.0, 4.0)
    if found == "machine":
        if mode == "DetectMessageEnd":
            return "machine_end_beep", greeting + rng.uniform(0.3, 0.8)
        return "machine_start", rng.uniform(2.0, 4.0)
    return "unknown", timeout
