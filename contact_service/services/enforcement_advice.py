"""Enforcement recommendations for a case, read from the database and decided by the domain. Shown to a
representative; nothing here files a lien, makes a levy or certifies anyone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from contact_service.adapters.db.models import Case
from contact_service.domain.cases import NoticeStage
from contact_service.domain.enforcement import EnforcementFacts, EnforcementThresholds, Recommendation, recommend
from contact_service.services.case_history import active_holds


def facts_for(session: Session, case: Case, today: dt.date) -> EnforcementFacts:
    """What the enforcement rules need about `case`, as of `today`."""
    return EnforcementFacts(
        balance_cents=case.balance_cents, notice_stage=NoticeStage(case.notice_stage),
        last_notice_on=case.last_notice_on, holds=active_holds(session, case.id),
        cdp_hearing_pending=case.cdp_hearing_pending, lien_filed_with_cdp_exhausted=case.lien_filed_cdp_exhausted,
        levy_made=case.levy_made, as_of=today,
    )


def recommendations(session: Session, case: Case, thresholds: EnforcementThresholds,
                    today: dt.date) -> list[Recommendation]:
    """Lien, levy and passport certification: whether the case qualifies for each, and why."""
    return recommend(facts_for(session, case, today), thresholds)
