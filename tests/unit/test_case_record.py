"""One case-file row: what is accepted, how it is normalized, and the reason given for each refusal."""

import datetime as dt

import pytest

from contact_service.domain.case_record import CaseRecord, RowProblem, parse_case_row
from contact_service.domain.cases import Hold, NoticeStage, TaxpayerType, collection_statute_date

TODAY = dt.date(2026, 11, 24)
GOOD = {
    "case_id": "ACS-0001",
    "taxpayer_type": "individual",
    "name": "Maria Lopez",
    "phone": "(212) 555-0101",
    "state": "NY",
    "balance_due": "4512.33",
    "notice_stage": "CP504",
    "last_notice_on": "2026-09-15",
    "assessed_on": "2025-06-02",
    "hold": "",
    "poa_on_file": "false",
    "tin_last4": "1234",
}


def problems_with(**changes: str) -> list[RowProblem]:
    result = parse_case_row({**GOOD, **changes}, TODAY)
    assert isinstance(result, list), f"expected a refusal, got {result}"
    return result


def test_a_good_row_is_normalized() -> None:
    record = parse_case_row(GOOD, TODAY)
    assert isinstance(record, CaseRecord)
    assert record.case_number == "ACS-0001"
    assert record.taxpayer_type is TaxpayerType.INDIVIDUAL
    assert record.phone.e164 == "+12125550101"
    assert record.balance_cents == 451233
    assert record.notice_stage is NoticeStage.CP504
    assert record.csed_on == dt.date(2035, 6, 2)
    assert record.hold is None and record.poa_on_file is False


def test_values_are_trimmed_and_matched_without_regard_to_case() -> None:
    record = parse_case_row(
        {
            **GOOD,
            "taxpayer_type": " Business ",
            "state": "ny",
            "hold": "Bankruptcy",
            "poa_on_file": "YES",
            "notice_stage": "lt11",
            "balance_due": "$1,250.5",
        },
        TODAY,
    )
    assert isinstance(record, CaseRecord)
    assert record.taxpayer_type is TaxpayerType.BUSINESS and record.state == "NY"
    assert record.hold is Hold.BANKRUPTCY and record.poa_on_file is True
    assert record.notice_stage is NoticeStage.LT11 and record.balance_cents == 125050


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("case_id", "", "is empty"),
        ("case_id", "ACS 0001", "is not a case id"),
        ("taxpayer_type", "trust", "is not one of individual, business, estate"),
        ("name", "", "is empty"),
        ("name", "Bad\x00Name", "control characters"),
        ("phone", "555-0109", "has no area code"),
        ("state", "XX", "is not a US state"),
        ("balance_due", "-50.00", "is negative"),
        ("balance_due", "12.345", "more than two decimal places"),
        ("balance_due", "lots", "is not an amount"),
        ("balance_due", "NaN", "is not an amount"),
        ("notice_stage", "CP999", "is not one of CP14, CP501, CP503, CP504, LT11"),
        ("last_notice_on", "2026-13-40", "is not a date"),
        ("last_notice_on", "20260915", "is not a date"),
        ("last_notice_on", "2026-12-25", "is in the future"),
        ("hold", "vacation", "is not one of bankruptcy"),
        ("poa_on_file", "", "is empty"),
        ("poa_on_file", "maybe", "is not true or false"),
        ("tin_last4", "12345", "last 4 digits"),
    ],
)
def test_each_bad_value_is_refused_naming_its_column(column: str, value: str, reason: str) -> None:
    problems = problems_with(**{column: value})
    assert [problem.column for problem in problems] == [column]
    assert reason in problems[0].reason


def test_every_problem_of_a_row_is_reported() -> None:
    problems = problems_with(phone="555-0109", balance_due="-1", state="ZZ")
    assert {problem.column for problem in problems} == {"phone", "balance_due", "state"}


def test_a_full_tin_typed_into_the_last4_column_is_never_echoed() -> None:
    problems = problems_with(tin_last4="123-45-6789")
    assert "6789" not in problems[0].reason and "123" not in problems[0].reason


def test_assessment_after_the_last_notice_is_refused() -> None:
    problems = problems_with(assessed_on="2026-10-01", last_notice_on="2026-09-15")
    assert problems[0].column == "assessed_on" and "after last_notice_on" in problems[0].reason


def test_collection_statute_runs_ten_years_from_assessment() -> None:
    assert collection_statute_date(dt.date(2025, 6, 2)) == dt.date(2035, 6, 2)
    assert collection_statute_date(dt.date(2024, 2, 29)) == dt.date(2034, 2, 28)


def test_notice_ladder_order() -> None:
    assert NoticeStage.LT11.at_least(NoticeStage.CP504)
    assert not NoticeStage.CP503.at_least(NoticeStage.CP504)
    assert [stage.rank for stage in NoticeStage] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("column", list(GOOD))
@pytest.mark.parametrize("tin", ["123-45-6789", "12-3456789", "123456789", "123 45 6789"])
def test_a_full_tin_in_any_column_refuses_the_row_naming_the_column_never_the_value(column: str, tin: str) -> None:
    if column == "balance_due" and tin.isdigit():
        tin = f"USD {tin}"  # a bare 9-digit balance is an amount (below); beside anything else it is not
    problems = problems_with(**{column: tin})
    assert [problem.column for problem in problems] == [column]
    assert "taxpayer identification number" in problems[0].reason
    digits = "".join(ch for ch in tin if ch.isdigit())
    assert not any(digits[i : i + 4] in problem.reason for problem in problems for i in range(6))


def test_a_tin_beside_a_name_is_found_too() -> None:
    problems = problems_with(name="Maria Lopez SSN 123-45-6789")
    assert [(p.column, "identification number" in p.reason) for p in problems] == [("name", True)]


def test_a_nine_digit_balance_is_money() -> None:
    record = parse_case_row({**GOOD, "balance_due": "123456789.00"}, TODAY)
    assert isinstance(record, CaseRecord) and record.balance_cents == 12_345_678_900


@pytest.mark.parametrize("last4", ["\uff11\uff12\uff13\uff14", "\u0661\u0662\u0663\u0664", "12\u00b334", "１234"])
def test_tin_last4_takes_ascii_digits_only(last4: str) -> None:
    problems = problems_with(tin_last4=last4)
    assert [problem.column for problem in problems] == ["tin_last4"]
    assert last4 not in problems[0].reason


@pytest.mark.parametrize("column", ["last_notice_on", "assessed_on"])
def test_dates_before_the_floor_are_refused(column: str) -> None:
    problems = problems_with(**{column: "1989-12-31"}, hold="csed_expired")
    assert [problem.column for problem in problems] == [column]
    assert "before 1990-01-01" in problems[0].reason


def test_a_date_after_the_imports_own_day_is_in_the_future() -> None:
    assert parse_case_row({**GOOD, "last_notice_on": TODAY.isoformat()}, TODAY) is not None
    problems = problems_with(last_notice_on=(TODAY + dt.timedelta(days=1)).isoformat())
    assert problems[0].column == "last_notice_on" and f"is in the future (after {TODAY})" in problems[0].reason


def test_a_case_past_its_collection_statute_comes_only_with_the_csed_expired_hold() -> None:
    old = {"assessed_on": "2016-11-23", "last_notice_on": "2017-01-05"}  # statute ran 2026-11-23
    problems = problems_with(**old)
    assert [problem.column for problem in problems] == ["assessed_on"]
    assert "collection statute date, 2026-11-23, has passed" in problems[0].reason
    assert "csed_expired" in problems[0].reason
    record = parse_case_row({**GOOD, **old, "hold": "csed_expired"}, TODAY)
    assert isinstance(record, CaseRecord) and record.hold is Hold.CSED_EXPIRED
    on_its_last_day = parse_case_row({**GOOD, "assessed_on": "2016-11-24", "last_notice_on": "2017-01-05"}, TODAY)
    assert isinstance(on_its_last_day, CaseRecord) and on_its_last_day.csed_on == TODAY
