"""What a taxpayer identification number looks like, so that one is refused wherever it turns up in a case file.

A case file may carry the last four digits of a TIN (`tin_last4`) and nothing more. A full SSN, ITIN or EIN
pasted into any column (a name, a case id, a state, a column we do not even read) must be refused without
being echoed and never stored. The shapes, with any Unicode decimal digits (a TIN typed in fullwidth digits
is still a TIN) and never inside a longer run of digits:

- SSN or ITIN: 3-2-4 digits separated by a hyphen or dash, a dot, or spaces (123-45-6789, 123 45 6789);
- EIN: 2-7 digits separated by a hyphen or dash (12-3456789);
- any bare run of exactly 9 digits (123456789).

Two columns legitimately hold digits and are read with care: `balance_due` written as an amount may run to nine
digits (money), and `phone` in international form (+33 612345678) may hold a 9-digit national number after its
country code; anything else in those columns is held to every shape. An international number grouped like an
SSN (+49 301 23 4567) is refused as well: better a number typed again than a TIN kept. No US
phone number has any of these shapes (written any usual way it groups 3-3-4, or runs 10 or 11 digits), and
neither do the ISO dates, so a shipped case file never trips them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"  # ASCII hyphen-minus and the Unicode dashes
_SEPARATOR = rf"[^\S\n{_DASH}.]{{0,2}}[{_DASH}.]?[^\S\n{_DASH}.]{{0,2}}"  # "-", " ", ".", " - "
# Each shape starts with a digit that follows no digit (the pattern leads with \d so that the search skips
# straight to digits) and ends before any further digit.
_SSN_OR_ITIN = rf"\d(?<!\d\d)\d\d{_SEPARATOR}(?<=\D)\d\d{_SEPARATOR}(?<=\D)\d{{4}}(?!\d)"
_EIN = rf"\d(?<!\d\d)\d[^\S\n]{{0,2}}[{_DASH}][^\S\n]{{0,2}}\d{{7}}(?!\d)"
_BARE = r"\d(?<!\d\d)\d{8}(?!\d)"

SEPARATED_TIN = re.compile(f"{_SSN_OR_ITIN}|{_EIN}")
ANY_TIN = re.compile(f"{_SSN_OR_ITIN}|{_EIN}|{_BARE}")

AMOUNT_COLUMNS = frozenset({"balance_due"})
PHONE_COLUMNS = frozenset({"phone"})
_AMOUNT = re.compile(r"\$?[0-9,]*(?:\.[0-9]*)?")
_INTERNATIONAL_NUMBER = re.compile(r"\+[0-9 ().-]+")
_DIGIT = re.compile(r"\d")


def looks_like_tin(column: str, value: str) -> bool:
    """Whether `value`, read in `column`, holds something shaped like a full SSN, ITIN or EIN."""
    text = value.strip()
    if column in AMOUNT_COLUMNS and _AMOUNT.fullmatch(text):
        return False  # written as an amount: nine digits there are money, and no other shape fits an amount
    if column in PHONE_COLUMNS and _INTERNATIONAL_NUMBER.fullmatch(text) and len(_DIGIT.findall(text)) > 9:
        return SEPARATED_TIN.search(text) is not None  # a country code, then a national number of nine digits
    return ANY_TIN.search(text) is not None


def tin_columns(columns: Sequence[str], values: Sequence[str]) -> list[str]:
    """The columns whose value (the two sequences run in parallel) looks like a full TIN, in order."""
    # One search over all the values settles almost every row (no shape crosses the comma that joins them);
    # only a hit needs the column-by-column reading (a 9-digit balance is a hit that turns out clean).
    if ANY_TIN.search(",".join(values)) is None:
        return []
    return [column for column, value in zip(columns, values, strict=False) if looks_like_tin(column, value)]


TIN_REASON = "looks like a full taxpayer identification number (SSN, ITIN or EIN); value not shown, row not stored"
