"""A representative's work on a listed case: the dispositions and what each one does to the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from contact_service.domain.escalation import ResponseKind

CLAIM_LIMIT = dt.timedelta(minutes=30)  # a claimed case untouched this long returns to its list
NOT_REACHED_RETRY = dt.timedelta(hours=24)  # a case not reached comes back after a day (the daily cap)


class Disposition(StrEnum):
    """How a representative's call on a case ended."""

    PAYMENT_ARRANGED = "payment_arranged"
    INSTALLMENT_AGREEMENT = "installment_agreement"
    OFFER_REFERRAL = "offer_referral"
    DISPUTE = "dispute"
    CALLBACK_SCHEDULED = "callback_scheduled"
    NOT_REACHED = "not_reached"
    WRONG_NUMBER = "wrong_number"
    REPRESENTATIVE_CONTACTED = "representative_contacted"


class Next(StrEnum):
    """Where the entry goes after a disposition."""

    CLOSE = "close"  # the case responded: off the lists
    BACK_LATER = "back_later"  # back on the same list, not before a given time
    BAD_NUMBER_LIST = "bad_number_list"  # moved to research


@dataclass(frozen=True)
class Effect:
    """What a disposition does: the response it records (if any) and where the entry goes."""

    response: ResponseKind | None
    next: Next


EFFECTS: dict[Disposition, Effect] = {
    Disposition.PAYMENT_ARRANGED: Effect(ResponseKind.PAYMENT, Next.CLOSE),
    Disposition.INSTALLMENT_AGREEMENT: Effect(ResponseKind.INSTALLMENT_AGREEMENT, Next.CLOSE),
    Disposition.OFFER_REFERRAL: Effect(ResponseKind.OFFER_IN_COMPROMISE, Next.CLOSE),
    Disposition.DISPUTE: Effect(ResponseKind.DISPUTE, Next.CLOSE),
    Disposition.REPRESENTATIVE_CONTACTED: Effect(ResponseKind.REACHED_BY_REPRESENTATIVE, Next.CLOSE),
    # Reached, and asked to be called back: that is a response; the callback keeps the case on the list.
    Disposition.CALLBACK_SCHEDULED: Effect(ResponseKind.REACHED_BY_REPRESENTATIVE, Next.BACK_LATER),
    Disposition.NOT_REACHED: Effect(None, Next.BACK_LATER),
    Disposition.WRONG_NUMBER: Effect(None, Next.BAD_NUMBER_LIST),
}
