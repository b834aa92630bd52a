"""Enforcement recommendations: lien, levy and passport certification, each threshold's edge and every exclusion."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError, replace

import pytest

from contact_service.domain.cases import Hold, NoticeStage
from contact_service.domain.enforcement import (
    COLLECTION_SUSPENDED,
    EnforcementAction,
    EnforcementFacts,
    EnforcementThresholds,
    Recommendation,
    dollars,
    recommend,
)

THRESHOLDS = EnforcementThresholds()
AS_OF = dt.date(2025, 6, 2)
# Qualifies for all three: over the 2025 passport threshold, LT11 mailed 60 days ago, a levy made.
ALL_QUALIFY = EnforcementFacts(
    balance_cents=7_500_000,
    notice_stage=NoticeStage.LT11,
    last_notice_on=AS_OF - dt.timedelta(days=60),
    holds=frozenset(),
    cdp_hearing_pending=False,
    lien_filed_with_cdp_exhausted=False,
    levy_made=True,
    as_of=AS_OF,
)


def outcome(facts: EnforcementFacts, action: EnforcementAction) -> Recommendation:
    by_action = {recommendation.action: recommendation for recommendation in recommend(facts, THRESHOLDS)}
    return by_action[action]


def text(recommendation: Recommendation) -> str:
    return "; ".join(recommendation.reasons)


def test_the_order_is_lien_levy_passport_and_all_qualify() -> None:
    recommendations = recommend(ALL_QUALIFY, THRESHOLDS)
    assert [r.action for r in recommendations] == [
        EnforcementAction.LIEN,
        EnforcementAction.LEVY,
        EnforcementAction.PASSPORT,
    ]
    assert all(r.qualifies and r.reasons for r in recommendations)


def test_defaults_are_the_designs() -> None:
    assert THRESHOLDS.lien_min_cents == 1_000_000
    assert THRESHOLDS.levy_days_after_lt11 == 30
    assert dict(THRESHOLDS.passport_by_year) == {2024: 6_200_000, 2025: 6_400_000}
    assert recommend(ALL_QUALIFY) == recommend(ALL_QUALIFY, THRESHOLDS)


def test_values_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        ALL_QUALIFY.balance_cents = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        THRESHOLDS.passport_by_year[2026] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("cents", "shown"),
    [(0, "$0.00"), (5, "$0.05"), (999_999, "$9,999.99"), (1_250_000, "$12,500.00"), (-500, "-$5.00")],
)
def test_dollars_are_shown_with_cents(cents: int, shown: str) -> None:
    assert dollars(cents) == shown


# Lien: balance >= $10,000 and the notice ladder complete (CP504 or LT11).


def test_lien_qualifies_and_says_why() -> None:
    lien = outcome(replace(ALL_QUALIFY, balance_cents=1_250_000), EnforcementAction.LIEN)
    assert lien.qualifies
    assert lien.reasons == ("balance $12,500.00 is at least $10,000.00", "notice ladder complete (LT11)")


@pytest.mark.parametrize(("cents", "qualifies"), [(999_999, False), (1_000_000, True), (1_000_001, True)])
def test_lien_balance_edge(cents: int, qualifies: bool) -> None:
    lien = outcome(replace(ALL_QUALIFY, balance_cents=cents), EnforcementAction.LIEN)
    assert lien.qualifies is qualifies
    if not qualifies:
        assert lien.reasons == ("balance $9,999.99 is below the $10,000.00 lien minimum",)


@pytest.mark.parametrize(
    ("stage", "qualifies"),
    [
        (NoticeStage.CP14, False),
        (NoticeStage.CP501, False),
        (NoticeStage.CP503, False),
        (NoticeStage.CP504, True),
        (NoticeStage.LT11, True),
    ],
)
def test_lien_needs_the_notice_ladder_complete(stage: NoticeStage, qualifies: bool) -> None:
    lien = outcome(replace(ALL_QUALIFY, notice_stage=stage), EnforcementAction.LIEN)
    assert lien.qualifies is qualifies
    if qualifies:
        assert f"notice ladder complete ({stage})" in lien.reasons
    else:
        assert lien.reasons == (f"notice ladder not complete: latest notice is {stage}; CP504 or LT11 required",)


@pytest.mark.parametrize("hold", [Hold.BANKRUPTCY, Hold.CSED_EXPIRED, Hold.COMBAT_ZONE])
def test_no_lien_while_collection_is_suspended(hold: Hold) -> None:
    lien = outcome(replace(ALL_QUALIFY, holds=frozenset({hold})), EnforcementAction.LIEN)
    assert not lien.qualifies
    assert lien.reasons == (COLLECTION_SUSPENDED[hold],)


@pytest.mark.parametrize("hold", [Hold.OPT_OUT, Hold.BAD_NUMBER, Hold.IA_ACTIVE, Hold.CNC, Hold.DECEASED])
def test_a_lien_is_still_recommended_under_holds_that_do_not_suspend_collection(hold: Hold) -> None:
    assert outcome(replace(ALL_QUALIFY, holds=frozenset({hold})), EnforcementAction.LIEN).qualifies


def test_lien_lists_every_failure() -> None:
    lien = outcome(replace(ALL_QUALIFY, balance_cents=500_000, notice_stage=NoticeStage.CP503), EnforcementAction.LIEN)
    assert not lien.qualifies
    assert len(lien.reasons) == 2
    assert "lien minimum" in lien.reasons[0] and "notice ladder not complete" in lien.reasons[1]


# Levy: LT11 mailed >= 30 days ago, no CDP hearing pending, no IA/OIC pending or in effect, no bankruptcy.


@pytest.mark.parametrize(("days", "qualifies"), [(0, False), (29, False), (30, True), (31, True)])
def test_levy_days_after_lt11_edge(days: int, qualifies: bool) -> None:
    mailed = AS_OF - dt.timedelta(days=days)
    levy = outcome(replace(ALL_QUALIFY, last_notice_on=mailed), EnforcementAction.LEVY)
    assert levy.qualifies is qualifies
    if qualifies:
        assert levy.reasons[0] == f"LT11 (Letter 1058) mailed {mailed.isoformat()}, {days} days ago (at least 30)"
    else:
        assert levy.reasons == (
            f"LT11 (Letter 1058) mailed {mailed.isoformat()}, only {days} days ago: "
            "a levy needs at least 30 days (IRC 6330 CDP window)",
        )


@pytest.mark.parametrize("stage", [NoticeStage.CP14, NoticeStage.CP503, NoticeStage.CP504])
def test_levy_needs_the_lt11_at_all(stage: NoticeStage) -> None:
    # Even a notice mailed long ago does not count unless it is the LT11 / Letter 1058.
    levy = outcome(
        replace(ALL_QUALIFY, notice_stage=stage, last_notice_on=AS_OF - dt.timedelta(days=400)), EnforcementAction.LEVY
    )
    assert not levy.qualifies
    assert levy.reasons == (f"final notice (LT11 / Letter 1058) not yet mailed: latest notice is {stage} (IRC 6330)",)


def test_levy_qualifies_and_says_why() -> None:
    levy = outcome(ALL_QUALIFY, EnforcementAction.LEVY)
    assert levy.qualifies
    assert "no CDP hearing pending" in levy.reasons
    assert "no installment agreement, offer in compromise, bankruptcy or other suspension" in levy.reasons


def test_levy_is_suspended_while_a_cdp_hearing_is_pending() -> None:
    levy = outcome(replace(ALL_QUALIFY, cdp_hearing_pending=True), EnforcementAction.LEVY)
    assert not levy.qualifies
    assert levy.reasons == ("Collection Due Process hearing pending: levy suspended until it ends (IRC 6330(e))",)


@pytest.mark.parametrize(
    ("hold", "words"),
    [
        (Hold.IA_PENDING, "installment agreement request pending: no levy while it is pending (IRC 6331(k)(2))"),
        (Hold.IA_ACTIVE, "installment agreement in effect: no levy while it is in effect (IRC 6331(k)(2))"),
        (Hold.OIC_PENDING, "offer in compromise pending: no levy while it is pending (IRC 6331(k)(1))"),
        (Hold.BANKRUPTCY, "bankruptcy: the automatic stay bars a levy (11 USC 362)"),
        (Hold.CSED_EXPIRED, "collection statute date passed: the debt can no longer be collected (IRC 6502)"),
        (Hold.COMBAT_ZONE, "combat zone service: collection is suspended (IRC 7508)"),
    ],
)
def test_levy_blocking_holds_say_why(hold: Hold, words: str) -> None:
    levy = outcome(replace(ALL_QUALIFY, holds=frozenset({hold})), EnforcementAction.LEVY)
    assert not levy.qualifies
    assert levy.reasons == (words,)


@pytest.mark.parametrize("hold", [Hold.OPT_OUT, Hold.BAD_NUMBER, Hold.IDENTITY_THEFT, Hold.CNC, Hold.DISASTER])
def test_levy_is_not_blocked_by_holds_the_rule_does_not_name(hold: Hold) -> None:
    assert outcome(replace(ALL_QUALIFY, holds=frozenset({hold})), EnforcementAction.LEVY).qualifies


def test_levy_lists_every_failure() -> None:
    facts = replace(
        ALL_QUALIFY,
        last_notice_on=AS_OF - dt.timedelta(days=10),
        cdp_hearing_pending=True,
        holds=frozenset({Hold.IA_PENDING, Hold.BANKRUPTCY}),
    )
    levy = outcome(facts, EnforcementAction.LEVY)
    assert not levy.qualifies
    assert len(levy.reasons) == 4
    assert "only 10 days ago" in text(levy)
    assert "Collection Due Process hearing pending" in text(levy)
    assert "installment agreement request pending" in text(levy) and "automatic stay" in text(levy)


# Passport certification (IRC 7345): strictly over the year's threshold, lien with CDP exhausted or levy made.


@pytest.mark.parametrize(
    ("year", "threshold_cents", "shown"), [(2024, 6_200_000, "$62,000.00"), (2025, 6_400_000, "$64,000.00")]
)
def test_passport_threshold_edge(year: int, threshold_cents: int, shown: str) -> None:
    as_of = dt.date(year, 3, 15)
    facts = replace(ALL_QUALIFY, as_of=as_of, last_notice_on=as_of - dt.timedelta(days=60))
    at = outcome(replace(facts, balance_cents=threshold_cents), EnforcementAction.PASSPORT)
    assert not at.qualifies
    assert at.reasons == (f"assessed debt {shown} is not over the {year} threshold of {shown} (IRC 7345)",)
    over = outcome(replace(facts, balance_cents=threshold_cents + 1), EnforcementAction.PASSPORT)
    assert over.qualifies
    assert f"assessed debt {dollars(threshold_cents + 1)} is over the {year} threshold of {shown}" in over.reasons


def test_passport_uses_the_as_of_years_threshold() -> None:
    # $63,000 is over 2024's $62,000 but not over 2025's $64,000.
    facts = replace(ALL_QUALIFY, balance_cents=6_300_000)
    assert outcome(replace(facts, as_of=dt.date(2024, 12, 31)), EnforcementAction.PASSPORT).qualifies
    assert not outcome(replace(facts, as_of=dt.date(2025, 1, 1)), EnforcementAction.PASSPORT).qualifies


@pytest.mark.parametrize("year", [2023, 2026, 2030])
def test_passport_never_falls_back_to_another_years_threshold(year: int) -> None:
    facts = replace(ALL_QUALIFY, balance_cents=100_000_000, as_of=dt.date(year, 6, 1))
    passport = outcome(facts, EnforcementAction.PASSPORT)
    assert not passport.qualifies
    assert passport.reasons == (f"no passport threshold configured for {year}",)


def test_a_configured_later_year_is_used() -> None:
    thresholds = EnforcementThresholds(passport_by_year={2026: 6_600_000})
    facts = replace(ALL_QUALIFY, as_of=dt.date(2026, 6, 1))
    by_action = {r.action: r for r in recommend(replace(facts, balance_cents=6_600_001), thresholds)}
    assert by_action[EnforcementAction.PASSPORT].qualifies
    by_action = {r.action: r for r in recommend(replace(facts, balance_cents=6_600_000), thresholds)}
    assert not by_action[EnforcementAction.PASSPORT].qualifies


@pytest.mark.parametrize(
    ("lien_exhausted", "levy_made", "qualifies", "words"),
    [
        (True, False, True, "a lien was filed and CDP rights are exhausted"),
        (False, True, True, "a levy was made"),
        (True, True, True, "a lien was filed and CDP rights are exhausted"),
        (False, False, False, "neither a lien filed with CDP rights exhausted nor a levy made (IRC 7345(b)(1)(C))"),
    ],
)
def test_passport_needs_a_lien_with_cdp_exhausted_or_a_levy(
    lien_exhausted: bool, levy_made: bool, qualifies: bool, words: str
) -> None:
    facts = replace(ALL_QUALIFY, lien_filed_with_cdp_exhausted=lien_exhausted, levy_made=levy_made)
    passport = outcome(facts, EnforcementAction.PASSPORT)
    assert passport.qualifies is qualifies
    assert words in passport.reasons


@pytest.mark.parametrize(
    ("hold", "words"),
    [
        (Hold.IA_PENDING, "installment agreement request pending: excluded from passport certification"),
        (Hold.IA_ACTIVE, "installment agreement in effect: excluded from passport certification (IRC 7345(b)(2)(A))"),
        (Hold.OIC_PENDING, "offer in compromise pending: excluded from passport certification"),
        (Hold.BANKRUPTCY, "bankruptcy: excluded from passport certification"),
        (Hold.IDENTITY_THEFT, "identity theft case: excluded from passport certification"),
        (Hold.CNC, "currently not collectible (hardship): excluded from passport certification"),
        (Hold.DISASTER, "federally declared disaster area: excluded from passport certification"),
        (Hold.CSED_EXPIRED, "collection statute date passed: the debt can no longer be collected (IRC 6502)"),
        (Hold.COMBAT_ZONE, "combat zone service: collection is suspended (IRC 7508)"),
    ],
)
def test_passport_exclusions_say_why(hold: Hold, words: str) -> None:
    passport = outcome(replace(ALL_QUALIFY, holds=frozenset({hold})), EnforcementAction.PASSPORT)
    assert not passport.qualifies
    assert passport.reasons == (words,)


def test_passport_is_excluded_while_a_cdp_hearing_is_pending() -> None:
    passport = outcome(replace(ALL_QUALIFY, cdp_hearing_pending=True), EnforcementAction.PASSPORT)
    assert not passport.qualifies
    assert "Collection Due Process hearing pending" in text(passport)


def test_passport_lists_every_failure() -> None:
    facts = replace(
        ALL_QUALIFY,
        balance_cents=100,
        as_of=dt.date(2026, 1, 5),
        levy_made=False,
        holds=frozenset({Hold.CNC, Hold.DISASTER}),
    )
    passport = outcome(facts, EnforcementAction.PASSPORT)
    assert passport.reasons[0] == "no passport threshold configured for 2026"
    assert len(passport.reasons) == 4


def test_one_action_failing_does_not_affect_the_others() -> None:
    # CNC excludes passport certification, but the lien and levy rules do not name it.
    lien, levy, passport = recommend(replace(ALL_QUALIFY, holds=frozenset({Hold.CNC})), THRESHOLDS)
    assert lien.qualifies and levy.qualifies and not passport.qualifies
