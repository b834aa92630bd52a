"""The script guard: whether a call script may be spoken. The only number a call ever says is the official line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat

from contact_service.domain import script_patterns as pat
from contact_service.domain.call_script import NAME_PLACEHOLDER, render
from contact_service.domain.official_line import OFFICIAL_NUMBER_DISPLAY, OFFICIAL_NUMBER_E164

REGION = "US"
EXCERPT_MAX = 60
# Templates are checked as a real call would say them; a plain name triggers no rule.
SAMPLE_NAME = "Jordan Avery"
_OFFICIAL_DIGITS = ("18008291040", "8008291040")

# Typographic variants a scammer (or a word processor) uses; all map one character to one, keeping positions.
_CHAR_MAP = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\r": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x85": "\n",
    }
)

_MESSAGES = {
    "must_identify_irs": "does not identify the caller as the IRS ('IRS' or 'Internal Revenue Service')",
    "missing_official_number": f"never gives the official callback number {OFFICIAL_NUMBER_DISPLAY}",
    "other_number": "speaks a number other than the official line ({!r})",
    "digits": "states digits that are neither the official number nor a menu key ({!r})",
    "amount": "states an amount or what is owed ({!r})",
    "notice_number": "names a notice or letter number ({!r})",
    "payment_demand": "asks for payment ({!r}){}",
    "payment_method": "names a payment method ({!r}){}",
    "personal_data": "asks for personal data ({!r}){}",
    "threat": "threatens ({!r}){}",
    "deadline": "sets a deadline or urgency ({!r})",
    "pressure": "pressures the taxpayer to stay on the line or keep the call secret ({!r}){}",
    "url": "gives a web address ({!r}); a call never gives one",
    "placeholder": "uses a placeholder other than {{name}} or an unbalanced brace ({!r})",
    "voicemail_detail": "a voicemail mentions the case ({!r}); it says only who it is for, the IRS and the number",
    "voicemail_warning": "a voicemail carries a warning sentence; it says as little as possible",
    "too_long": "a voicemail of {} words; at most {} are allowed",
    "missing_addressee": "a voicemail template does not say whom it is for ({name})",
}
# Rules a warning sentence switches off (HUMAN only); amounts, deadlines and URLs are never allowed.
_EXEMPTABLE = ("payment_demand", "payment_method", "personal_data", "threat", "pressure")
_KEYWORD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("amount", pat.AMOUNT_WORDS),
    ("payment_demand", pat.PAYMENT_DEMAND),
    ("payment_method", pat.PAYMENT_METHOD),
    ("personal_data", pat.PERSONAL_DATA),
    ("threat", pat.THREAT),
    ("deadline", pat.DEADLINE),
    ("pressure", pat.PRESSURE),
    ("url", pat.URL),
)


class ScriptKind(StrEnum):
    """Who hears the script: a person who answered, or an answering machine (stricter)."""

    HUMAN = "human"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable rule id, a sentence for people, the offending text and its 1-based line."""

    rule: str
    message: str
    excerpt: str
    line: int


@dataclass(frozen=True)
class _Found:
    rule: str
    message: str
    excerpt: str
    line: int
    pos: int


def check_template(template: str, kind: ScriptKind) -> list[Violation]:
    """Check a script template at registration; the only placeholder allowed is {name}.

    It is checked as rendered with a sample name and also as written.
    """
    kind = ScriptKind(kind)  # a plain "voicemail" string must not slip through as the laxer kind
    text = _normalize(template)
    whole = _excerpt(text)
    found = [
        _found(text, "placeholder", m.start(), m.end())
        for m in pat.PLACEHOLDER_TOKEN.finditer(text)
        if m.group() != NAME_PLACEHOLDER
    ]
    if kind is ScriptKind.VOICEMAIL and NAME_PLACEHOLDER not in text:
        found.append(_found_whole(whole, "missing_addressee", _MESSAGES["missing_addressee"]))
    found += _content(render(text, SAMPLE_NAME), kind, whole)
    found += _content(text, kind, whole)
    return _finish(found)


def check_rendered(text: str, kind: ScriptKind) -> list[Violation]:
    """Check the exact text about to be spoken (a template rendered with a real addressee name)."""
    kind = ScriptKind(kind)
    normalized = _normalize(text)
    found = [_found(normalized, "placeholder", m.start(), m.end()) for m in pat.BRACE.finditer(normalized)]
    found += _content(normalized, kind, _excerpt(normalized))
    return _finish(found)


def spoken_numbers(text: str) -> list[str]:
    """Every phone number found in the text, as E.164.

    Found by phonenumbers.PhoneNumberMatcher (region US, Leniency.POSSIBLE), never by a regex.
    """
    return [e164 for _, _, e164, _ in _phone_matches(_normalize(text))]


def _normalize(text: str) -> str:
    # NFKC folds fullwidth digits and ligatures; format characters (zero-width space, soft hyphen) hide words.
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.replace("\r\n", "\n").translate(_CHAR_MAP)


def _phone_matches(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, E.164, end of the number before any extension) for each number the matcher finds."""
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, REGION, leniency=Leniency.POSSIBLE):
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        found.append((match.start, match.end, e164, match.start + _number_length(match.raw_string)))
    return found


def _number_length(raw: str) -> int:
    # The matcher folds "extension 5" into the official number; only the number itself is allowed.
    digits = "".join(ch for ch in raw if ch.isdigit())
    wanted = next((len(d) for d in _OFFICIAL_DIGITS if digits.startswith(d)), len(digits))
    for index, ch in enumerate(raw):
        if ch.isdigit():
            wanted -= 1
            if wanted == 0:
                return index + 1
    return len(raw)


def _content(text: str, kind: ScriptKind, whole: str) -> list[_Found]:
    """Every rule but the placeholder ones, on normalized text."""
    found: list[_Found] = []
    if not pat.IRS.search(text):
        found.append(_found_whole(whole, "must_identify_irs", _MESSAGES["must_identify_irs"]))
    covered: list[tuple[int, int]] = []
    found += _number_rules(text, covered, whole)
    human = kind is ScriptKind.HUMAN
    warnings = _warning_spans(text) if human else []
    for rule, pattern in _KEYWORD_RULES:
        for m in pattern.finditer(text):
            if rule in _EXEMPTABLE and any(start <= m.start() and m.end() <= end for start, end in warnings):
                continue
            suffix = " outside a warning" if human else " in a voicemail"
            found.append(_found(text, rule, m.start(), m.end(), suffix))
    if not human:
        found += _voicemail_rules(text, whole)
    return found


def _number_rules(text: str, covered: list[tuple[int, int]], whole: str) -> list[_Found]:
    """Rules 2-4: the official number must be there, no other number may be, and no other digit either."""
    found: list[_Found] = []
    matches = _phone_matches(text)
    if not any(e164 == OFFICIAL_NUMBER_E164 for _, _, e164, _ in matches):
        found.append(_found_whole(whole, "missing_official_number", _MESSAGES["missing_official_number"]))
    for start, end, e164, number_end in matches:
        if e164 == OFFICIAL_NUMBER_E164:
            covered.append((start, number_end))
        else:
            found.append(_found(text, "other_number", start, end))
            covered.append((start, end))
    for m in pat.DIGIT_RUN_7.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if not pat.OFFICIAL_DIGITS.fullmatch(digits):
            found.append(_found(text, "other_number", m.start(), m.end()))
            covered.append(m.span())
    for m in pat.VANITY_JOINED.finditer(text):
        token = m.group()
        alnum = [ch for ch in token if ch.isalnum()]
        if len(alnum) >= 7 and sum(ch.isdigit() for ch in alnum) >= 3 and any(ch.isalpha() for ch in alnum):
            found.append(_found(text, "other_number", m.start(), m.end()))
            covered.append(m.span())
    official = [(start, number_end) for start, _, e164, number_end in matches if e164 == OFFICIAL_NUMBER_E164]
    for m in pat.VANITY_SPACED.finditer(text):
        # "1 800 829 1040. IRS hours..." is the official number followed by a word, not a vanity number.
        if not any(start <= m.start() < end for start, end in official):
            found.append(_found(text, "other_number", m.start(), m.end()))
            covered.append(m.span())
    for m in pat.SPELLED_RUN.finditer(text):
        if not _spells_official(m.group()):
            found.append(_found(text, "other_number", m.start(), m.end()))
    for m in pat.SPELLED_YEAR.finditer(text):
        found.append(_found(text, "digits", m.start(), m.end()))
    labelled = (("digits", pat.EXTENSION), ("notice_number", pat.NOTICE_NUMBER), ("amount", pat.AMOUNT_DIGITS))
    for rule, pattern in labelled:
        for m in pattern.finditer(text):
            found.append(_found(text, rule, m.start(), m.end()))
            covered.append(m.span())
    covered += [m.span() for m in pat.PRESS_KEY.finditer(text)]
    accounted = bytearray(len(text))
    for start, end in covered:
        accounted[start:end] = b"\x01" * (end - start)
    for m in pat.DIGITS.finditer(text):
        if any(text[i].isdigit() and not accounted[i] for i in range(m.start(), m.end())):
            found.append(_found(text, "digits", m.start(), m.end()))
    return found


def _spells_official(run: str) -> bool:
    """True when spelled-out number words read as 1-800-829-1040 in any reasonable grouping."""
    words = tuple(w.lower() for w in re.findall(r"[a-z]+", run, re.IGNORECASE))
    return len(words) <= 20 and not _readings(words).isdisjoint(_OFFICIAL_DIGITS)


@lru_cache(maxsize=4096)
def _readings(words: tuple[str, ...]) -> frozenset[str]:
    """Every digit string the words may stand for: "ten forty" is 1040, "eight hundred" 800, "eight two nine" 829."""
    if not words:
        return frozenset({""})
    out: set[str] = set()
    for chunk, used in _chunks(words):
        out.update(chunk + rest for rest in _readings(words[used:]))
    return frozenset(out)


def _chunks(words: tuple[str, ...]) -> list[tuple[str, int]]:
    values = pat.NUMBER_WORD_VALUES
    first, nxt = words[0], (words[1] if len(words) > 1 else "")
    value = values.get(first)
    if first in ("double", "triple") and values.get(nxt, 10) < 10:
        return [(str(values[nxt]) * (2 if first == "double" else 3), 2)]
    if value is None:
        return [("100" if first == "hundred" else "1000", 1)] if first in ("hundred", "thousand") else []
    chunks = [(str(value), 1)]
    if value >= 20 and value % 10 == 0 and 0 < values.get(nxt, 0) < 10:
        chunks.append((str(value + values[nxt]), 2))
    if value < 10 and nxt in ("hundred", "thousand"):
        width = 2 if nxt == "hundred" else 3
        chunks.append((str(value) + "0" * width, 2))
        tails = [(tail, used) for tail, used in _chunks(words[2:]) if len(tail) <= width]
        chunks += [(str(value) + tail.zfill(width), 2 + used) for tail, used in tails]
    return chunks


def _warning_spans(text: str) -> list[tuple[int, int]]:
    """For each warning sentence, the span after its negation where payment, data and threat words are allowed."""
    spans = []
    start = 0
    for end in [m.start() for m in pat.SENTENCE_BREAK.finditer(text)] + [len(text)]:
        sentence = text[start:end]
        negation = pat.WARNING.search(sentence)
        if negation and not pat.REVERSAL.search(sentence, negation.end()):
            spans.append((start + negation.end(), end))
        start = end + 1
    return spans


def _voicemail_rules(text: str, whole: str) -> list[_Found]:
    found = [_found(text, "voicemail_detail", m.start(), m.end()) for m in pat.VOICEMAIL_DETAIL.finditer(text)]
    start = 0
    for end in [m.start() for m in pat.SENTENCE_BREAK.finditer(text)] + [len(text)]:
        if pat.NEGATED_SUBJECT.search(text, start, end):
            found.append(_found(text, "voicemail_warning", start, end))
        start = end + 1
    words = sum(1 for token in text.split() if any(ch.isalnum() for ch in token))
    if words > pat.VOICEMAIL_MAX_WORDS:
        message = _MESSAGES["too_long"].format(words, pat.VOICEMAIL_MAX_WORDS)
        found.append(_found_whole(whole, "too_long", message))
    return found


def _found(text: str, rule: str, start: int, end: int, suffix: str = "") -> _Found:
    excerpt = _excerpt(text[start:end])
    message = _MESSAGES[rule].format(excerpt, suffix) if "{" in _MESSAGES[rule] else _MESSAGES[rule]
    return _Found(rule, message, excerpt, text.count("\n", 0, start) + 1, start)


def _found_whole(whole: str, rule: str, message: str) -> _Found:
    # A missing element has no place of its own: report it on line 1 against the start of the text.
    return _Found(rule, message, whole, 1, -1)


def _excerpt(text: str) -> str:
    return " ".join(text.split())[:EXCERPT_MAX]


def _finish(found: list[_Found]) -> list[Violation]:
    seen: set[tuple[str, str]] = set()
    result = []
    for item in sorted(found, key=lambda f: (f.line, f.pos)):
        if (item.rule, item.excerpt) not in seen:
            seen.add((item.rule, item.excerpt))
            result.append(Violation(item.rule, item.message, item.excerpt, item.line))
    return result
