"""Enforcement recommendations (design 2.5): which of lien, levy and passport certification a case qualifies for.

Only ever a recommendation shown to a representative; nothing here is executed. Each action comes back with
the reasons it qualifies, or every reason it does not, in words a representative reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from contact_service.domain.cases import Hold, NoticeStage

LADDER_COMPLETE = NoticeStage.CP504  # CP504 (notice of intent to levy) or LT11 ends the notice routine
FINAL_NOTICE = NoticeStage.LT11  # LT11 / Letter 1058: final notice of intent to levy, with CDP rights

# IRC 7345 thresholds published by the IRS, in cents; later years come from configuration.
DEFAULT_PASSPORT_THRESHOLDS: Mapping[int, int] = MappingProxyType({2024: 6_200_000, 2025: 6_400_000})

# Holds under which no enforcement at all may be taken, and why.
COLLECTION_SUSPENDED: Mapping[Hold, str] = MappingProxyType(
    {
        Hold.BANKRUPTCY: "bankruptcy: the automatic stay bars a lien, a levy and other collection (11 USC 362(a))",
        Hold.CSED_EXPIRED: "collection statute date passed: the debt can no longer be collected (IRC 6502)",
        Hold.COMBAT_ZONE: "combat zone service: collection is suspended (IRC 7508)",
    }
)

# Holds that stop a levy, and why (IRC 6331(k), 11 USC 362).
LEVY_BLOCKING_HOLDS: Mapping[Hold, str] = MappingProxyType(
    {
        Hold.CSED_EXPIRED: COLLECTION_SUSPENDED[Hold.CSED_EXPIRED],
        Hold.COMBAT_ZONE: COLLECTION_SUSPENDED[Hold.COMBAT_ZONE],
        Hold.IA_PENDING: "installment agreement request pending: no levy while it is pending (IRC 6331(k)(2))",
        Hold.IA_ACTIVE: "installment agreement in effect: no levy while it is in effect (IRC 6331(k)(2))",
        Hold.OIC_PENDING: "offer in compromise pending: no levy while it is pending (IRC 6331(k)(1))",
        Hold.BANKRUPTCY: "bankruptcy: the automatic stay bars a levy (11 USC 362)",
    }
)

# Holds that exclude a debt from passport certification, and why (IRC 7345(b)(2), IRS exclusions).
PASSPORT_EXCLUDING_HOLDS: Mapping[Hold, str] = MappingProxyType(
    {
        Hold.IA_PENDING: "installment agreement request pending: excluded from passport certification",
        Hold.IA_ACTIVE: "installment agreement in effect: excluded from passport certification (IRC 7345(b)(2)(A))",
        Hold.OIC_PENDING: "offer in compromise pending: excluded from passport certification",
        Hold.BANKRUPTCY: "bankruptcy: excluded from passport certification",
        Hold.IDENTITY_THEFT: "identity theft case: excluded from passport certification",
        Hold.CNC: "currently not collectible (hardship): excluded from passport certification",
        Hold.DISASTER: "federally declared disaster area: excluded from passport certification",
        Hold.CSED_EXPIRED: COLLECTION_SUSPENDED[Hold.CSED_EXPIRED],
        Hold.COMBAT_ZONE: COLLECTION_SUSPENDED[Hold.COMBAT_ZONE],
    }
)


class EnforcementAction(StrEnum):
    """The enforcement actions a representative may be advised to take."""

    LIEN = "lien"  # Notice of Federal Tax Lien (IRC 6323)
    LEVY = "levy"  # IRC 6331
    PASSPORT = "passport_certification"  # IRC 7345


@dataclass(frozen=True)
class EnforcementThresholds:
    """The rules' figures; the defaults are the design's ($10,000 lien, 30 days after LT11, 2024-2025 passport)."""

    lien_min_cents: int = 1_000_000
    levy_days_after_lt11: int = 30
    passport_by_year: Mapping[int, int] = field(default_factory=lambda: DEFAULT_PASSPORT_THRESHOLDS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "passport_by_year", MappingProxyType(dict(self.passport_by_year)))


@dataclass(frozen=True)
class EnforcementFacts:
    """What the rules need to know about one case, as of `as_of`."""

    balance_cents: int  # assessed balance still owed
    notice_stage: NoticeStage  # latest notice mailed
    last_notice_on: dt.date  # when the latest notice was mailed (the LT11 date when the stage is LT11)
    holds: frozenset[Hold]
    cdp_hearing_pending: bool
    lien_filed_with_cdp_exhausted: bool
    levy_made: bool
    as_of: dt.date


@dataclass(frozen=True)
class Recommendation:
    """Whether the case qualifies for one action, and why (or every reason why not)."""

    action: EnforcementAction
    qualifies: bool
    reasons: tuple[str, ...]


def dollars(cents: int) -> str:
    """Cents as dollars with cents, like $12,500.00 (negative as -$5.00)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def _decide(action: EnforcementAction, met: list[str], failed: list[str]) -> Recommendation:
    """Qualifies when nothing failed: then the reasons are what was met, else every failure."""
    if failed:
        return Recommendation(action, False, tuple(failed))
    return Recommendation(action, True, tuple(met))


def lien(facts: EnforcementFacts, thresholds: EnforcementThresholds) -> Recommendation:
    """Notice of Federal Tax Lien: balance at least the minimum and the notice ladder complete."""
    met: list[str] = []
    failed: list[str] = []
    balance, minimum = dollars(facts.balance_cents), dollars(thresholds.lien_min_cents)
    if facts.balance_cents >= thresholds.lien_min_cents:
        met.append(f"balance {balance} is at least {minimum}")
    else:
        failed.append(f"balance {balance} is below the {minimum} lien minimum")
    if facts.notice_stage.at_least(LADDER_COMPLETE):
        met.append(f"notice ladder complete ({facts.notice_stage})")
    else:
        required = f"{LADDER_COMPLETE} or {FINAL_NOTICE} required"
        failed.append(f"notice ladder not complete: latest notice is {facts.notice_stage}; {required}")
    failed.extend(reason for hold, reason in COLLECTION_SUSPENDED.items() if hold in facts.holds)
    return _decide(EnforcementAction.LIEN, met, failed)


def levy(facts: EnforcementFacts, thresholds: EnforcementThresholds) -> Recommendation:
    """Levy: LT11 mailed long enough ago, no CDP hearing pending, no IA/OIC pending or in effect, no bankruptcy."""
    met: list[str] = []
    failed: list[str] = []
    wait = thresholds.levy_days_after_lt11
    if not facts.notice_stage.at_least(FINAL_NOTICE):
        failed.append(
            f"final notice (LT11 / Letter 1058) not yet mailed: latest notice is {facts.notice_stage} (IRC 6330)"
        )
    else:
        days = (facts.as_of - facts.last_notice_on).days
        mailed = f"LT11 (Letter 1058) mailed {facts.last_notice_on.isoformat()}"
        if days >= wait:
            met.append(f"{mailed}, {days} days ago (at least {wait})")
        else:
            failed.append(f"{mailed}, only {days} days ago: a levy needs at least {wait} days (IRC 6330 CDP window)")
    if facts.cdp_hearing_pending:
        failed.append("Collection Due Process hearing pending: levy suspended until it ends (IRC 6330(e))")
    else:
        met.append("no CDP hearing pending")
    blocking = [reason for hold, reason in LEVY_BLOCKING_HOLDS.items() if hold in facts.holds]
    if blocking:
        failed.extend(blocking)
    else:
        met.append("no installment agreement, offer in compromise, bankruptcy or other suspension")
    return _decide(EnforcementAction.LEVY, met, failed)


def passport(facts: EnforcementFacts, thresholds: EnforcementThresholds) -> Recommendation:
    """Passport certification (IRC 7345): debt over the year's threshold, lien or levy, and no exclusion."""
    met: list[str] = []
    failed: list[str] = []
    year = facts.as_of.year
    threshold = thresholds.passport_by_year.get(year)
    balance = dollars(facts.balance_cents)
    if threshold is None:
        failed.append(f"no passport threshold configured for {year}")
    elif facts.balance_cents > threshold:
        met.append(f"assessed debt {balance} is over the {year} threshold of {dollars(threshold)}")
    else:
        failed.append(f"assessed debt {balance} is not over the {year} threshold of {dollars(threshold)} (IRC 7345)")
    if facts.lien_filed_with_cdp_exhausted:
        met.append("a lien was filed and CDP rights are exhausted")
    elif facts.levy_made:
        met.append("a levy was made")
    else:
        failed.append("neither a lien filed with CDP rights exhausted nor a levy made (IRC 7345(b)(1)(C))")
    if facts.cdp_hearing_pending:
        failed.append("Collection Due Process hearing pending: excluded from passport certification (IRC 7345(b)(2))")
    excluding = [reason for hold, reason in PASSPORT_EXCLUDING_HOLDS.items() if hold in facts.holds]
    if excluding:
        failed.extend(excluding)
    else:
        met.append("no exclusion applies")
    return _decide(EnforcementAction.PASSPORT, met, failed)


def recommend(facts: EnforcementFacts, thresholds: EnforcementThresholds | None = None) -> list[Recommendation]:
    """Lien, levy and passport certification, in that order, each with its reasons."""
    thresholds = thresholds or EnforcementThresholds()
    return [lien(facts, thresholds), levy(facts, thresholds), passport(facts, thresholds)]
