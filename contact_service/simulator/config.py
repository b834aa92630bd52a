"""The simulator's settings, validated once; `from_mapping` turns JSON or CLI input into a SimulatorConfig."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contact_service.simulator.personas import DEFAULT_MIX, PERSONAS

# The same account as config/defaults.toml, so a service on default settings talks to a default simulator.
DEFAULT_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEFAULT_AUTH_TOKEN = "simulator-auth-token"  # published: refused on any interface but loopback (server.py)
# Twilio's pattern for an account SID (2010-04-01 API): AC and 32 hexadecimal digits.
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
HOLDABLE_STATUSES = ("initiated", "ringing", "in-progress")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that shapes a simulation. Rates are probabilities; times are seconds."""

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = field(default=DEFAULT_AUTH_TOKEN, repr=False)
    seed: int = 0
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    fixed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cps: int = 50  # call starts per real second for the account
    speed: float = 1.0  # simulated durations are divided by this
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    hold_back: tuple[str, ...] = ()
    webhook_timeout: float = 15.0
    workers: int = 32  # threads in each pool (call flows, callbacks); read when the engine starts
    retain_calls: int | None = None  # finished calls kept for inspection; None keeps all
    silence_patience: float = 60.0  # simulated seconds of silence after which whoever answered hangs up

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SimulatorConfig:
        """Build from plain data (JSON, CLI); raise ValueError naming the first bad field."""
        known = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}")
        cleaned: dict[str, Any] = {}
        for name, value in values.items():
            try:
                cleaned[name] = _VALIDATORS[name](value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}: {exc}") from None
        return cls(**cleaned)

    def merged(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """A copy with `changes` applied (each top-level key replaces the old value), validated."""
        return SimulatorConfig.from_mapping({**self.to_mapping(include_secret=True), **changes})

    def to_mapping(self, include_secret: bool = False) -> dict[str, Any]:
        """Plain JSON-ready data; the auth token only when asked for."""
        data = {
            "account_sid": self.account_sid,
            "seed": self.seed,
            "mix": dict(self.mix),
            "fixed": {number: list(names) for number, names in self.fixed.items()},
            "cps": self.cps,
            "speed": self.speed,
            "duplicate_rate": self.duplicate_rate,
            "reorder_rate": self.reorder_rate,
            "hold_back": list(self.hold_back),
            "webhook_timeout": self.webhook_timeout,
            "workers": self.workers,
            "retain_calls": self.retain_calls,
            "silence_patience": self.silence_patience,
        }
        if include_secret:
            data["auth_token"] = self.auth_token
        return data


def _integer(value: Any) -> int:
    # bool is an int subclass; `true` in JSON is never meant as 1 here.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"must be an integer, not {value!r}")
    return int(str(value).strip())


def _positive_int(value: Any) -> int:
    number = _integer(value)
    if number <= 0:
        raise ValueError(f"must be a positive integer, not {number}")
    return number


def _positive_float(value: Any) -> float:
    number = _number(value)
    if not number > 0:
        raise ValueError(f"must be greater than 0, not {number}")
    return number


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, not {value!r}")
    return number


def _rate(value: Any) -> float:
    number = _number(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"must be between 0 and 1, not {number}")
    return number


def _account_sid(value: Any) -> str:
    text = str(value).strip()
    if not ACCOUNT_SID.match(text):
        raise ValueError("must be AC followed by 32 hexadecimal digits")
    return text


def _token(value: Any) -> str:
    text = str(value)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _persona_name(value: Any) -> str:
    if value not in PERSONAS:
        raise ValueError(f"unknown persona {value!r}; personas: {', '.join(PERSONAS)}")
    return str(value)


def _mix(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise ValueError("must be a non-empty mapping of persona name to weight")
    mix: dict[str, float] = {}
    for name, weight in value.items():
        _persona_name(name)
        number = _number(weight)
        if number < 0:
            raise ValueError(f"weight of {name!r} must not be negative, not {number}")
        mix[name] = number
    if sum(mix.values()) <= 0:
        raise ValueError("needs at least one persona with a positive weight")
    return mix


def _fixed(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValueError("must be a mapping of E.164 number to a persona or a list of personas")
    fixed: dict[str, tuple[str, ...]] = {}
    for number, choice in value.items():
        if not isinstance(number, str) or not E164.match(number):
            raise ValueError(f"{number!r} is not an E.164 number like +12025550140")
        names = (choice,) if isinstance(choice, str) else tuple(choice) if isinstance(choice, list | tuple) else ()
        if not names:
            raise ValueError(f"{number}: expected a persona name or a non-empty list of them, not {choice!r}")
        fixed[number] = tuple(_persona_name(name) for name in names)
    return fixed


def _hold_back(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of call statuses from {', '.join(HOLDABLE_STATUSES)}")
    for status in value:
        if status not in HOLDABLE_STATUSES:
            raise ValueError(f"{status!r} cannot be held back; choose from {', '.join(HOLDABLE_STATUSES)}")
    return tuple(value)


def _retain(value: Any) -> int | None:
    return None if value is None else _positive_int(value)


_VALIDATORS = {
    "silence_patience": _positive_float,
    "account_sid": _account_sid,
    "auth_token": _token,
    "seed": _integer,
    "mix": _mix,
    "fixed": _fixed,
    "cps": _positive_int,
    "speed": _positive_float,
    "duplicate_rate": _rate,
    "reorder_rate": _rate,
    "hold_back": _hold_back,
    "webhook_timeout": _positive_float,
    "workers": _positive_int,
    "retain_calls": _retain,
}
