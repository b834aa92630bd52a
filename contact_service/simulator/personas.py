"""Who answers the phone: the callee personas, and the deterministic choice of one per call.

Persona names are part of the interface (configuration, control API, test fixtures):

=====================  ===========================================================================
human                  answers after a few rings, listens to everything, presses nothing
human-press-1          answers, presses 1 at the first Gather (hears the message again), then nothing
human-press-2          answers, presses 2 at the first Gather (gets connected by the Dial)
human-press-1-then-2   presses 1 at the first Gather and 2 at the second
human-hangs-up         answers, then hangs up about 3 s later
human-silent           answers and says nothing: answering machine detection reports `unknown`
machine                answering machine: AMD `machine_end_beep` (`machine_start` with MachineDetection
                       =Enable) after a 6-12 s greeting; records what is said after the beep, then hangs
                       up; stays on the line (Gathers time out) until then or 60 s of silence
fax                    fax machine: AMD `fax`; hangs up about 10 s after answering
busy                   busy signal (SIP 486)
no-answer              rings until the call's Timeout (SIP 487)
disconnected           number not in service: failed (SIP 404)
carrier-failure        the carrier fails the call: failed (SIP 503)
invalid                the REST create itself fails: 400, code 21211
unreachable            the REST create itself fails: 400, code 21214
=====================  ===========================================================================

Every answering persona also hangs up after 60 s of silence (a long Pause or an empty Gather loop).
Twilio-style magic numbers override everything: +15005550001 is `invalid`, +15005550002 `unreachable`,
+15005550006 `human`. Then a number in `fixed` gets its persona (or, for a list, the k-th entry for the
k-th call to it; the last entry repeats). Otherwise the persona of the k-th call to a number is drawn from
the weighted mix by a hash of (seed, number, k), so a redial can go differently (busy, then answered).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contact_service.simulator import draws


@dataclass(frozen=True)
class Persona:
    """How one callee behaves. Times are simulated seconds, ranges are (low, high)."""

    name: str
    outcome: str  # answered | busy | no-answer | failed | rest-error
    ring: tuple[float, float] = (0.0, 0.0)  # ringing before answer (or before busy/failed)
    amd: str | None = None  # human | machine | fax | unknown: what answering machine detection finds
    keys: tuple[str, ...] = ()  # the digit pressed at the 1st, 2nd... Gather
    hangs_up_after: float | None = None  # seconds after answer
    sip_code: int = 200
    error: tuple[int, str] | None = None  # REST error (rest-error) or the failed call's ErrorCode

    @property
    def answers(self) -> bool:
        """True if this callee picks up."""
        return self.outcome == "answered"


_RINGS = (3.0, 12.0)
PERSONAS: dict[str, Persona] = {
    persona.name: persona
    for persona in (
        Persona("human", "answered", _RINGS, amd="human"),
        Persona("human-press-1", "answered", _RINGS, amd="human", keys=("1",)),
        Persona("human-press-2", "answered", _RINGS, amd="human", keys=("2",)),
        Persona("human-press-1-then-2", "answered", _RINGS, amd="human", keys=("1", "2")),
        Persona("human-hangs-up", "answered", _RINGS, amd="human", hangs_up_after=3.0),
        Persona("human-silent", "answered", _RINGS, amd="unknown"),
        Persona("machine", "answered", (10.0, 20.0), amd="machine"),
        Persona("fax", "answered", (2.0, 5.0), amd="fax", hangs_up_after=10.0),
        Persona("busy", "busy", (1.0, 3.0), sip_code=486),
        Persona("no-answer", "no-answer", (float("inf"), float("inf")), sip_code=487),
        Persona("disconnected", "failed", (0.5, 2.0), sip_code=404, error=(31404, "Not Found")),
        Persona("carrier-failure", "failed", (1.0, 4.0), sip_code=503, error=(31503, "Service Unavailable")),
        Persona("invalid", "rest-error", error=(21211, "Invalid 'To' Phone Number")),
        Persona("unreachable", "rest-error", error=(21214, "'To' phone number cannot be reached")),
    )
}
PERSONA_NAMES: tuple[str, ...] = tuple(PERSONAS)

DEFAULT_MIX: dict[str, float] = {
    "human": 30,
    "human-press-2": 5,
    "human-press-1": 5,
    "machine": 25,
    "busy": 10,
    "no-answer": 15,
    "disconnected": 3,
    "carrier-failure": 2,
    "fax": 1,
    "human-silent": 2,
    "human-hangs-up": 2,
}

MAGIC_NUMBERS: dict[str, str] = {
    "+15005550001": "invalid",
    "+15005550002": "unreachable",
    "+15005550006": "human",
}


def persona_for(
    seed: int, mix: Mapping[str, float], fixed: Mapping[str, Sequence[str]], number: str, k: int
) -> Persona:
    """The persona answering the k-th call (k >= 1) to `number`: magic number, then fixed map, then mix."""
    if number in MAGIC_NUMBERS:
        return PERSONAS[MAGIC_NUMBERS[number]]
    if number in fixed:
        choices = fixed[number]
        return PERSONAS[choices[min(k, len(choices)) - 1]]
    # Walk the mix in the canonical persona order so the draw does not depend on dict ordering.
    weighted = [(name, float(mix[name])) for name in PERSONA_NAMES if mix.get(name, 0) > 0]
    total = sum(weight for _, weight in weighted)
    point = draws.unit(seed, number, k, "persona") * total
    for name, weight in weighted:
        point -= weight
        if point < 0:
            return PERSONAS[name]
    return PERSONAS[weighted[-1][0]]


class PersonaPicker:
    """Counts calls per number and picks each call's persona; thread-safe."""

    def __init__(self, seed: int, mix: Mapping[str, float], fixed: Mapping[str, Sequence[str]]) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self.configure(seed, mix, fixed)

    def configure(self, seed: int, mix: Mapping[str, float], fixed: Mapping[str, Sequence[str]]) -> None:
        """Use new rules for the calls to come (counts are kept)."""
        with self._lock:
            self._seed, self._mix, self._fixed = seed, dict(mix), dict(fixed)

    def pick(self, number: str) -> tuple[Persona, int]:
        """The persona of the next call to `number`, and which call to that number it is (1, 2, ...)."""
        with self._lock:
            k = self._counts.get(number, 0) + 1
            self._counts[number] = k
            return persona_for(self._seed, self._mix, self._fixed, number, k), k

    def reset(self) -> None:
        """Forget how often each number was called."""
        with self._lock:
            self._counts.clear()
