"""Deterministic draws: the same inputs give the same number on every run, machine and Python process."""

from __future__ import annotations

import hashlib
import random


def _digest(parts: tuple[object, ...]) -> bytes:
    # hashlib rather than hash(): Python salts str hashes per process, which would break reproducibility.
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).digest()


def unit(*parts: object) -> float:
    """A number in [0, 1) that depends only on `parts`."""
    return int.from_bytes(_digest(parts)[:8], "big") / 2**64


def generator(*parts: object) -> random.Random:
    """A private random generator seeded from `parts` (use briefly: each one holds ~2.5 kB of state)."""
    return random.Random(int.from_bytes(_digest(parts)[:16], "big"))


def token(*parts: object) -> str:
    """A 32-hex-digit identifier derived from `parts` (idempotency tokens, SIDs)."""
    return _digest(parts)[:16].hex()
