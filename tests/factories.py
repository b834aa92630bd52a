"""Test data: cases, phones and call attempts written straight to the database."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from contact_service.adapters.db.models import (
    CallAttempt,
    Campaign,
    CampaignCase,
    Case,
    CaseHold,
    PhoneNumber,
    Taxpayer,
)
from contact_service.domain.cases import collection_statute_date
from contact_service.domain.phone import encode_zones, parse_phone

NOW = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)
_numbers = itertools.count(1)


def make_case(
    session: Session,
    *,
    name: str = "Maria Lopez",
    phone: str | None = None,
    state: str = "NY",
    taxpayer_type: str = "individual",
    balance_cents: int = 451_233,
    notice_stage: str = "CP504",
    last_notice_on: dt.date = dt.date(2026, 9, 15),
    assessed_on: dt.date = dt.date(2025, 6, 2),
    poa_on_file: bool = False,
    hold: str | None = None,
    case_number: str | None = None,
) -> Case:
    """A case with its taxpayer and primary phone (flushed, not committed)."""
    serial = next(_numbers)
    case_number = case_number or f"T-{serial:06d}"
    parsed = parse_phone(phone or f"(212) 555-{serial % 10000:04d}")
    taxpayer = Taxpayer(
        external_ref=case_number,
        taxpayer_type=taxpayer_type,
        name=name,
        state=state,
        tin_last4="1234",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(taxpayer)
    session.flush()
    session.add(
        PhoneNumber(
            taxpayer_id=taxpayer.id,
            e164=parsed.e164,
            zones=encode_zones(parsed.zones),
            is_primary=True,
            status="active",
            created_at=NOW,
        )
    )
    case = Case(
        case_number=case_number,
        taxpayer_id=taxpayer.id,
        balance_cents=balance_cents,
        notice_stage=notice_stage,
        last_notice_on=last_notice_on,
        assessed_on=assessed_on,
        csed_on=collection_statute_date(assessed_on),
        poa_on_file=poa_on_file,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(case)
    session.flush()
    if hold:
        session.add(CaseHold(case_id=case.id, hold=hold, source="operator", placed_at=NOW))
        session.flush()
    return case


def primary_phone(session: Session, case: Case) -> PhoneNumber:
    """The case's primary phone row."""
    return session.query(PhoneNumber).filter_by(taxpayer_id=case.taxpayer_id, is_primary=True).one()


def make_attempt(
    session: Session, case: Case | None = None, *, state: str = "placed", call_sid: str | None = None, **case_fields
) -> CallAttempt:  # type: ignore[no-untyped-def]
    """A call attempt for a (new) case, committed."""
    case = case or make_case(session, **case_fields)
    phone = primary_phone(session, case)
    attempt = CallAttempt(
        case_id=case.id, phone_number_id=phone.id, to_e164=phone.e164, state=state, call_sid=call_sid, created_at=NOW
    )
    session.add(attempt)
    session.commit()
    return attempt


def make_campaign(session: Session, name: str, launched_at: dt.datetime = NOW, status: str = "completed") -> Campaign:
    """A launched campaign row (no attempts), flushed."""
    campaign = Campaign(
        name=name,
        status=status,
        calls_per_second=1,
        max_attempts=3,
        created_by="test",
        created_at=launched_at,
        launched_at=launched_at,
    )
    session.add(campaign)
    session.flush()
    return campaign


def end_in_campaign(
    session: Session,
    campaign: Campaign,
    case: Case,
    state: str,
    closed_at: dt.datetime | None = NOW,
    skip_reason: str | None = None,
) -> CampaignCase:
    """Record how a case's automated phase ended in `campaign` (flushed)."""
    row = CampaignCase(
        campaign_id=campaign.id,
        case_id=case.id,
        state=state,
        skip_reason=skip_reason,
        attempts_made=0 if state == "skipped" else 1,
        closed_at=None if state == "active" else closed_at,
    )
    session.add(row)
    session.flush()
    return row
