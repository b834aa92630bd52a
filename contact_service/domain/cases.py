"""Case vocabulary: taxpayer types, the notice ladder, holds, and the collection statute date."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class TaxpayerType(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"
    ESTATE = "estate"


class NoticeStage(StrEnum):
    """The balance-due notice ladder, in the order the IRS mails it."""

    CP14 = "CP14"
    CP501 = "CP501"
    CP503 = "CP503"
    CP504 = "CP504"
    LT11 = "LT11"

    @property
    def rank(self) -> int:
        """Position on the ladder (CP14 is 0); later notices rank higher."""
        return list(NoticeStage).index(self)

    def at_least(self, other: NoticeStage) -> bool:
        """True when this notice is `other` or later on the ladder."""
        return self.rank >= other.rank


class Hold(StrEnum):
    """Reasons a case must not be called by automation (design 2.3)."""

    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    IDENTITY_THEFT = "identity_theft"
    DISASTER = "disaster"
    COMBAT_ZONE = "combat_zone"
    CNC = "cnc"
    IA_PENDING = "ia_pending"
    OIC_PENDING = "oic_pending"
    IA_ACTIVE = "ia_active"
    CSED_EXPIRED = "csed_expired"
    OPT_OUT = "opt_out"
    BAD_NUMBER = "bad_number"


COLLECTION_STATUTE_YEARS = 10  # IRC 6502: ten years from assessment


def collection_statute_date(assessed_on: dt.date) -> dt.date:
    """Collection Statute Expiration Date: ten years after assessment (a 29 February assessment ends 28 February)."""
    try:
        return assessed_on.replace(year=assessed_on.year + COLLECTION_STATUTE_YEARS)
    except ValueError:
        return assessed_on.replace(year=assessed_on.year + COLLECTION_STATUTE_YEARS, day=28)
