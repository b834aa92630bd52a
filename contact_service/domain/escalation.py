"""Escalation (design 2.5): which call list a case whose automated phase ended goes to, and in what order.

The sweep applies these rules in set-based SQL over many cases; this module states them once, for one case,
so tests can hold the SQL to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from contact_service.domain.cases import TaxpayerType

HIGH_DOLLAR_CENTS = 10_000_000  # $100,000: Revenue Officer referral (ACS large-dollar band starts here)
DEFAULT_GRACE = dt.timedelta(days=10)


class Segment(StrEnum):
    """The call lists, one per segment."""

    INDIVIDUAL = "individual"
    BUSINESS = "business"
    ESTATE = "estate"
    HIGH_DOLLAR = "high_dollar"
    REPRESENTATIVE_ON_FILE = "representative_on_file"
    BAD_NUMBER = "bad_number"


SEGMENT_TITLES = {
    Segment.INDIVIDUAL: "Individuals",
    Segment.BUSINESS: "Businesses",
    Segment.ESTATE: "Estates",
    Segment.HIGH_DOLLAR: "High dollar (Revenue Officer referral)",
    Segment.REPRESENTATIVE_ON_FILE: "Representative on file (contact the representative)",
    Segment.BAD_NUMBER: "Bad number (research)",
}


class EscalationReason(StrEnum):
    """How the automated phase ended for a listed case."""

    ATTEMPTS_EXHAUSTED = "attempts_exhausted"  # every attempt made, nobody reached
    VOICEMAIL_NO_CALLBACK = "voicemail_no_callback"  # message left, no callback within the grace period
    REACHED_NO_CALLBACK = "reached_no_callback"  # heard the message, no callback within the grace period
    REPRESENTATIVE_ON_FILE = "representative_on_file"  # never called automatically (IRC 6304(a)(2))
    BAD_NUMBER = "bad_number"  # the number is invalid or disconnected
    WRONG_NUMBER = "wrong_number"  # a representative found the number wrong


class ResponseKind(StrEnum):
    """What counts as the taxpayer responding (design 2.5)."""

    CALLBACK = "callback"  # called the official line
    PAYMENT = "payment"
    INSTALLMENT_AGREEMENT = "installment_agreement"
    OFFER_IN_COMPROMISE = "offer_in_compromise"
    DISPUTE = "dispute"
    REACHED_BY_REPRESENTATIVE = "reached_by_representative"


# How a campaign case ended (campaign_cases.state / skip_reason) -> why it escalates, and whether the grace
# period for a callback applies first.
ENDINGS: dict[str, tuple[EscalationReason, bool]] = {
    "exhausted": (EscalationReason.ATTEMPTS_EXHAUSTED, False),
    "voicemail_left": (EscalationReason.VOICEMAIL_NO_CALLBACK, True),
    "reached": (EscalationReason.REACHED_NO_CALLBACK, True),
    "bad_number": (EscalationReason.BAD_NUMBER, False),
}
SKIPS: dict[str, EscalationReason] = {
    "representative_on_file": EscalationReason.REPRESENTATIVE_ON_FILE,
    "no_callable_number": EscalationReason.BAD_NUMBER,
}


@dataclass(frozen=True)
class ListingFacts:
    """What routing needs about one case."""

    taxpayer_type: TaxpayerType
    balance_cents: int
    poa_on_file: bool
    reason: EscalationReason


def segment_for(facts: ListingFacts) -> Segment:
    """The list a case goes to: a representative on file first (never called by us), then bad numbers
    (research before anyone can call), then high dollar, then the taxpayer's type."""
    if facts.poa_on_file or facts.reason is EscalationReason.REPRESENTATIVE_ON_FILE:
        return Segment.REPRESENTATIVE_ON_FILE
    if facts.reason in (EscalationReason.BAD_NUMBER, EscalationReason.WRONG_NUMBER):
        return Segment.BAD_NUMBER
    if facts.balance_cents >= HIGH_DOLLAR_CENTS:
        return Segment.HIGH_DOLLAR
    return Segment(facts.taxpayer_type.value)


@dataclass(frozen=True)
class PriorityFacts:
    """What orders a list."""

    ever_reached: bool
    balance_cents: int
    csed_on: dt.date
    last_contact_at: dt.datetime | None


def priority_key(facts: PriorityFacts) -> tuple[bool, int, dt.date, dt.datetime]:
    """Sort key, first = most urgent: never reached before reached, then larger balance, nearer collection
    statute date, longer since the last contact (never contacted counts as longest)."""
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return (facts.ever_reached, -facts.balance_cents, facts.csed_on, facts.last_contact_at or oldest)
