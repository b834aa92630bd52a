"""Enforcement recommendations for a case, read from the database and decided by the domain. Shown to a
representative; nothing here files a lien, makes a levy or certifies anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contact_service.adapters.db.models import Case
from contact_service.domain.access import Actor
from contact_service.domain.cases import NoticeStage
from contact_service.domain.enforcement import EnforcementFacts, EnforcementThresholds, Recommendation, recommend
from contact_service.domain.errors import NotFound
from contact_service.read.cases import active_holds, visible_case_id


@dataclass(frozen=True)
class EnforcementAdvice:
    """Lien, levy and passport certification for one case as of a day: whether it qualifies for each, and why."""

    case_id: int
    as_of: dt.date
    recommendations: tuple[Recommendation, ...]


def facts_for(session: Session, case_id: int, today: dt.date) -> EnforcementFacts:
    """What the enforcement rules need about the case `case_id`, as of `today`."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    return EnforcementFacts(
        balance_cents=case.balance_cents,
        notice_stage=NoticeStage(case.notice_stage),
        last_notice_on=case.last_notice_on,
        holds=active_holds(session, case.id),
        cdp_hearing_pending=case.cdp_hearing_pending,
        lien_filed_with_cdp_exhausted=case.lien_filed_cdp_exhausted,
        levy_made=case.levy_made,
        as_of=today,
    )


def advice(
    session: Session,
    reference: int | str,
    thresholds: EnforcementThresholds,
    actor: Actor,
    now: dt.datetime,
) -> EnforcementAdvice:
    """The recommendations for the case with this id or case number as of `now`'s day; NotFound if there is
    none or `actor` may not see it."""
    today = now.date()
    case_id = visible_case_id(session, reference, actor, now)
    return EnforcementAdvice(case_id, today, tuple(recommend(facts_for(session, case_id, today), thresholds)))
