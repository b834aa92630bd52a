"""Scanning log files for taxpayers' personal data: full phone numbers (any way of writing them), names, and TIN
fragments written next to their name.

Pure (people and lines in, findings out) so that it is checked on its own against lines that do leak: a scan
that cannot find anything proves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import PhoneNumber, Taxpayer
from contact_service.adapters.log_setup import CAUGHT_BY_THE_NET


@dataclass(frozen=True)
class Person:
    """What must never appear in a log about one taxpayer."""

    name: str
    numbers: tuple[str, ...]  # E.164
    tin_last4: str | None


def people(engine: Engine) -> list[Person]:
    """Every taxpayer in the database, with every number on file."""
    with Session(engine) as session:
        numbers: dict[int, list[str]] = {}
        for taxpayer_id, e164 in session.execute(select(PhoneNumber.taxpayer_id, PhoneNumber.e164)):
            numbers.setdefault(taxpayer_id, []).append(e164)
        return [
            Person(name, tuple(numbers.get(taxpayer_id, ())), tin)
            for taxpayer_id, name, tin in session.execute(select(Taxpayer.id, Taxpayer.name, Taxpayer.tin_last4))
        ]


def number_pattern(e164: str) -> str:
    """A number written any way: its national digits (the last ten of a +1 number) with anything of up to
    three characters between them: +12125557001, (212) 555-7001, 212.555.7001, %2B12125557001..."""
    digits = re.sub(r"\D", "", e164)
    if digits.startswith("1") and len(digits) == 11:
        return r"(?<!\d)(?:1\D{0,3})?" + r"\D{0,3}".join(digits[1:]) + r"(?!\d)"
    return r"(?<!\d)" + r"\D{0,3}".join(digits) + r"(?!\d)"


def name_pattern(name: str) -> str:
    """The name's words in order, whatever sits between them (O'Neil, O\\'Neil, "Kim,  Grace" is not it)."""
    words = re.findall(r"[^\W\d_]+", name)
    return r"\b" + r"\W{0,3}".join(re.escape(word) for word in words) + r"\b"


def tin_pattern(last4: str) -> str:
    """The TIN's last four within a few words after a word that names a TIN ("tin_last4": "1234", SSN ending
    1234)."""
    return r"(?i)\b(?:tin|ssn|ein|itin|taxpayer[ _-]?id)(?:_?last_?4)?[^\d\n]{0,20}" + re.escape(last4) + r"(?!\d)"


@dataclass(frozen=True)
class Finding:
    """One line that carries something it must not."""

    where: str  # file:line
    what: str
    line: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.line[:300]}"


def scan(lines: Iterable[tuple[str, str]], persons: Sequence[Person]) -> list[Finding]:
    """Every (where, line) that carries a person's number, name or TIN fragment, or that the log filter had
    to mask (its source leaks)."""
    checks: list[tuple[re.Pattern[str], str]] = []
    for person in persons:
        for number in person.numbers:
            checks.append((re.compile(number_pattern(number)), f"the number of {person.name!r} ({number[-4:]})"))
        if person.name.strip():
            checks.append((re.compile(name_pattern(person.name), re.IGNORECASE), f"the name {person.name!r}"))
        if person.tin_last4:
            checks.append((re.compile(tin_pattern(person.tin_last4)), f"the TIN fragment of {person.name!r}"))
    findings = []
    for where, line in lines:
        if CAUGHT_BY_THE_NET in line:
            findings.append(Finding(where, "the log filter caught a source that logs personal data", line))
        for pattern, what in checks:
            if pattern.search(line):
                findings.append(Finding(where, what, line))
    return findings


def log_lines(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(file:line, text) of every line of every file."""
    lines = []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as stream:
            for number, line in enumerate(stream, start=1):
                lines.append((f"{path.name}:{number}", line.rstrip("\n")))
    return lines
