"""One row of a case file, validated: either a CaseRecord or the list of problems with it, by column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar, cast

from contact_service.domain.cases import Hold, NoticeStage, TaxpayerType, collection_statute_date
from contact_service.domain.phone import InvalidPhoneNumber, PhoneNumber, parse_phone
from contact_service.domain.tin import TIN_REASON, looks_like_tin
from contact_service.domain.us_states import is_known_state

CASE_COLUMNS = (
    "case_id",
    "taxpayer_type",
    "name",
    "phone",
    "state",
    "balance_due",
    "notice_stage",
    "last_notice_on",
    "assessed_on",
    "hold",
    "poa_on_file",
    "tin_last4",
)

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

MAX_BALANCE_CENTS = 10**14  # one trillion dollars: anything above is a data error, not a tax debt
MAX_NAME_LENGTH = 200
CASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
ISO_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
TIN_LAST4_PATTERN = re.compile(r"[0-9]{4}")  # ASCII digits: a fullwidth or other Unicode digit is not one
# No date in a case file is older: the service's cases are open balance-due cases, and an assessment this old is a
# typing error. (A real one is past its collection statute anyway, below.)
DATE_FLOOR = dt.date(1990, 1, 1)
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class RowProblem:
    """Why one column of one row was refused."""

    column: str
    reason: str


@dataclass(frozen=True)
class CaseRecord:
    """A case as imported, every field checked and normalized (money in cents, phone in E.164)."""

    case_number: str
    taxpayer_type: TaxpayerType
    name: str
    phone: PhoneNumber
    state: str
    balance_cents: int
    notice_stage: NoticeStage
    last_notice_on: dt.date
    assessed_on: dt.date
    csed_on: dt.date
    hold: Hold | None
    poa_on_file: bool
    tin_last4: str


def missing_columns(header: list[str]) -> list[str]:
    """Required columns absent from a header row (names compared trimmed and case-insensitively)."""
    present = {name.strip().lower() for name in header}
    return [column for column in CASE_COLUMNS if column not in present]


def parse_case_row(fields: dict[str, str], today: dt.date) -> CaseRecord | list[RowProblem]:
    """Validate one row (column name -> raw text). `today` (the import's clock) bounds the dates: nothing in a
    case file happened in the future, nor before DATE_FLOOR, and a case whose collection statute has run comes
    only with the hold `csed_expired`.

    A value shaped like a full SSN, ITIN or EIN (`domain.tin`), in any column, refuses the row with a reason
    that names the column and never the value."""
    problems: list[RowProblem] = []

    def check(column: str, parse: Callable[[str], T], kept_as_written: bool = False) -> T:
        raw = (fields.get(column) or "").strip()
        try:
            value = parse(raw)
        except ValueError as exc:
            # A refusal may quote the value: never one shaped like a TIN. A column of words, codes, dates or
            # amounts refuses such a value anyway, so this is the only search it needs; the columns kept as
            # written (case id, name, phone) are searched when they pass too.
            problems.append(RowProblem(column, TIN_REASON if looks_like_tin(column, raw) else str(exc)))
            # Never built into a record: a row with problems returns them instead.
            return cast(T, None)
        if kept_as_written and looks_like_tin(column, raw):
            problems.append(RowProblem(column, TIN_REASON))
        return value

    case_number = check("case_id", _case_id, kept_as_written=True)
    taxpayer_type = check("taxpayer_type", lambda raw: _choice(raw, TaxpayerType, lowercase=True))
    name = check("name", _name, kept_as_written=True)
    phone = check("phone", _phone, kept_as_written=True)
    state = check("state", _state)
    balance_cents = check("balance_due", _balance_cents)
    notice_stage = check("notice_stage", lambda raw: _choice(raw, NoticeStage, lowercase=False))
    last_notice_on = check("last_notice_on", lambda raw: _past_date(raw, today))
    assessed_on = check("assessed_on", lambda raw: _past_date(raw, today))
    hold = check("hold", lambda raw: _choice(raw, Hold, lowercase=True) if raw else None)
    poa_on_file = check("poa_on_file", _boolean)
    tin_last4 = check("tin_last4", _tin_last4)
    if last_notice_on and assessed_on and assessed_on > last_notice_on:
        problems.append(RowProblem("assessed_on", f"{assessed_on} is after last_notice_on {last_notice_on}"))
    if assessed_on and hold is not Hold.CSED_EXPIRED and collection_statute_date(assessed_on) < today:
        # The statute may have been suspended (bankruptcy, an installment agreement pending...), but the file
        # cannot say so and the date derived here would be wrong: such a case is not collectible as given.
        problems.append(
            RowProblem(
                "assessed_on",
                f"{assessed_on} is more than ten years ago: its collection statute date, "
                f"{collection_statute_date(assessed_on)}, has passed (IRC 6502); a case past its statute is "
                f"imported only with the hold {Hold.CSED_EXPIRED.value}",
            )
        )
    if problems:
        return problems
    return CaseRecord(
        case_number=case_number,
        taxpayer_type=taxpayer_type,
        name=name,
        phone=phone,
        state=state,
        balance_cents=balance_cents,
        notice_stage=notice_stage,
        last_notice_on=last_notice_on,
        assessed_on=assessed_on,
        csed_on=collection_statute_date(assessed_on),
        hold=hold,
        poa_on_file=poa_on_file,
        tin_last4=tin_last4,
    )


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _required(raw: str) -> str:
    if not raw:
        raise ValueError("is empty")
    return raw


def _case_id(raw: str) -> str:
    _required(raw)
    if not CASE_ID_PATTERN.match(raw):
        raise ValueError(f"{_shown(raw)} is not a case id (letters, digits and . _ : / -, at most 64)")
    return raw


def _choice(raw: str, enum: type[E], lowercase: bool) -> E:
    _required(raw)
    value = raw.lower() if lowercase else raw.upper()
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValueError(f"{_shown(raw)} is not one of {allowed}") from None


def _name(raw: str) -> str:
    # A spreadsheet cell may wrap a long name over lines; what is spoken and shown is one line.
    raw = " ".join(raw.split())
    _required(raw)
    if CONTROL_CHARACTERS.search(raw):
        raise ValueError("contains control characters")
    if len(raw) > MAX_NAME_LENGTH:
        raise ValueError(f"is longer than {MAX_NAME_LENGTH} characters")
    return raw


def _phone(raw: str) -> PhoneNumber:
    try:
        return parse_phone(raw)
    except InvalidPhoneNumber as exc:
        raise ValueError(f"{_shown(raw)} {exc}") from None


def _state(raw: str) -> str:
    code = _required(raw).upper()
    if not is_known_state(code):
        raise ValueError(f"{_shown(raw)} is not a US state, territory or armed-forces postal code")
    return code


def _balance_cents(raw: str) -> int:
    _required(raw)
    text = raw.removeprefix("$").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{_shown(raw)} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{_shown(raw)} is not an amount")
    if amount < 0:
        raise ValueError(f"{_shown(raw)} is negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{_shown(raw)} has more than two decimal places")
    cents = int(amount * 100)
    if cents >= MAX_BALANCE_CENTS:
        raise ValueError(f"{_shown(raw)} is implausibly large")
    return cents


def _past_date(raw: str, today: dt.date) -> dt.date:
    _required(raw)
    try:
        if not ISO_DATE_PATTERN.match(raw):
            raise ValueError
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{_shown(raw)} is not a date (YYYY-MM-DD)") from None
    if value > today:
        raise ValueError(f"{raw} is in the future (after {today})")
    if value < DATE_FLOOR:
        raise ValueError(f"{raw} is before {DATE_FLOOR}, the earliest date a case file may give")
    return value


def _boolean(raw: str) -> bool:
    word = _required(raw).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{_shown(raw)} is not true or false")


def _tin_last4(raw: str) -> str:
    # Never echo the value: a full TIN pasted into this column must not reach a log or a report.
    if not TIN_LAST4_PATTERN.fullmatch(raw):
        raise ValueError("must be exactly the last 4 digits of the TIN (value not shown)")
    return raw
