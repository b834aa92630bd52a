"""The escalation sweep: which cases go onto which call list, when, and only once (PostgreSQL and SQLite)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.domain.access import SYSTEM
from contact_service.domain.cases import TaxpayerType
from contact_service.domain.escalation import (
    DEFAULT_GRACE,
    ENDINGS,
    HIGH_DOLLAR_CENTS,
    SKIPS,
    ListingFacts,
    ResponseKind,
    segment_for,
)
from contact_service.services import responses
from contact_service.use_cases.call_lists import SweepResult
from tests import call_list_support
from tests.factories import NOW, end_in_campaign, make_campaign, make_case

LATER = NOW + dt.timedelta(days=11)
_serial = itertools.count(1)


def listed(session: Session) -> dict[str, tuple[str, str]]:
    """case_number -> (list segment, reason) for every open entry."""
    from contact_service.adapters.db.models import Case

    rows = session.execute(
        select(Case.case_number, CallList.segment, CallListEntry.reason)
        .join(CallListEntry, CallListEntry.case_id == Case.id)
        .join(CallList, CallList.id == CallListEntry.call_list_id)
        .where(CallListEntry.status != "closed")
    )
    return {number: (segment, reason) for number, segment, reason in rows}


def sweep(session: Session, now: dt.datetime = LATER) -> SweepResult:
    return call_list_support.sweep(session, now, DEFAULT_GRACE)


def a_case(session: Session, **fields):  # type: ignore[no-untyped-def]
    serial = next(_serial)
    fields.setdefault("phone", f"(212) 555-{serial % 9000 + 1000:04d}")
    return make_case(session, case_number=f"E-{serial}", **fields)


def test_exhausted_cases_are_listed_at_once_and_waiting_ones_only_after_the_grace_period(engine: Engine) -> None:
    with Session(engine) as session:
        campaign = make_campaign(session, "first")
        exhausted = a_case(session)
        voicemail = a_case(session)
        reached = a_case(session)
        end_in_campaign(session, campaign, exhausted, "exhausted", closed_at=NOW)
        end_in_campaign(session, campaign, voicemail, "voicemail_left", closed_at=NOW)
        end_in_campaign(session, campaign, reached, "reached", closed_at=NOW)
        session.commit()

        result = sweep(session, NOW + DEFAULT_GRACE - dt.timedelta(minutes=1))
        assert listed(session) == {exhausted.case_number: ("individual", "attempts_exhausted")}
        assert result.listed == {"individual": 1}

        sweep(session, NOW + DEFAULT_GRACE)
        assert listed(session) == {
            exhausted.case_number: ("individual", "attempts_exhausted"),
            voicemail.case_number: ("individual", "voicemail_no_callback"),
            reached.case_number: ("individual", "reached_no_callback"),
        }


def test_a_case_that_responded_after_its_campaign_launched_is_not_listed(engine: Engine) -> None:
    with Session(engine) as session:
        campaign = make_campaign(session, "first", launched_at=NOW - dt.timedelta(days=2))
        called_back = a_case(session)
        paid_long_ago = a_case(session)
        paid_long_ago.created_at = NOW - dt.timedelta(days=120)  # a response never predates its case's import
        end_in_campaign(session, campaign, called_back, "voicemail_left")
        end_in_campaign(session, campaign, paid_long_ago, "exhausted")
        session.commit()
        responses.record_response(
            session,
            called_back.id,
            ResponseKind.CALLBACK,
            NOW + dt.timedelta(days=3),
            SYSTEM,
            NOW + dt.timedelta(days=3),
        )
        responses.record_response(
            session, paid_long_ago.id, ResponseKind.PAYMENT, NOW - dt.timedelta(days=90), SYSTEM, NOW
        )
        sweep(session)
        assert listed(session) == {paid_long_ago.case_number: ("individual", "attempts_exhausted")}


def test_routing_to_the_segment_lists(engine: Engine) -> None:
    with Session(engine) as session:
        campaign = make_campaign(session, "first")
        cases = {
            "business": a_case(session, taxpayer_type="business"),
            "estate": a_case(session, taxpayer_type="estate"),
            "at_100k": a_case(session, balance_cents=HIGH_DOLLAR_CENTS),
            "below_100k": a_case(session, balance_cents=HIGH_DOLLAR_CENTS - 1),
            "poa_high": a_case(session, poa_on_file=True, balance_cents=HIGH_DOLLAR_CENTS * 5),
            "bad_number": a_case(session, balance_cents=HIGH_DOLLAR_CENTS * 2),
            "bad_number_hold": a_case(session, hold="bad_number"),
            "skipped_poa": a_case(session, poa_on_file=True),
            "skipped_no_number": a_case(session),
        }
        for key, case in cases.items():
            if key == "bad_number":
                end_in_campaign(session, campaign, case, "bad_number")
            elif key == "skipped_poa":
                end_in_campaign(session, campaign, case, "skipped", skip_reason="representative_on_file")
            elif key == "skipped_no_number":
                end_in_campaign(session, campaign, case, "skipped", skip_reason="no_callable_number")
            else:
                end_in_campaign(session, campaign, case, "exhausted")
        session.commit()
        sweep(session)
        got = {key: listed(session)[case.case_number] for key, case in cases.items()}
    assert got == {
        "business": ("business", "attempts_exhausted"),
        "estate": ("estate", "attempts_exhausted"),
        "at_100k": ("high_dollar", "attempts_exhausted"),
        "below_100k": ("individual", "attempts_exhausted"),
        "poa_high": ("representative_on_file", "attempts_exhausted"),
        "bad_number": ("bad_number", "bad_number"),
        "bad_number_hold": ("bad_number", "attempts_exhausted"),
        "skipped_poa": ("representative_on_file", "representative_on_file"),
        "skipped_no_number": ("bad_number", "bad_number"),
    }


def test_the_sweep_routes_every_combination_as_the_domain_rule_does(pg_engine: Engine) -> None:
    # Every way a campaign can end that escalates (domain.escalation ENDINGS and SKIPS), for every taxpayer
    # type, on both sides of the high-dollar line, with and without a representative on file.
    endings = [(state, None, reason) for state, (reason, _) in ENDINGS.items()]
    endings += [("skipped", skip_reason, reason) for skip_reason, reason in SKIPS.items()]
    combos = list(itertools.product(TaxpayerType, (HIGH_DOLLAR_CENTS - 1, HIGH_DOLLAR_CENTS), (False, True), endings))
    expected = {}
    with Session(pg_engine) as session:
        campaign = make_campaign(session, "combinations")
        for taxpayer_type, balance, poa, (state, skip_reason, reason) in combos:
            case = a_case(session, taxpayer_type=taxpayer_type.value, balance_cents=balance, poa_on_file=poa)
            end_in_campaign(session, campaign, case, state, skip_reason=skip_reason)
            expected[case.case_number] = (
                segment_for(ListingFacts(taxpayer_type, balance, poa, reason)).value,
                reason.value,
            )
        session.commit()
        sweep(session)
        assert listed(session) == expected


def test_cases_not_to_be_worked_are_left_off(engine: Engine) -> None:
    with Session(engine) as session:
        first = make_campaign(session, "first")
        second = make_campaign(session, "second", status="running")
        bankrupt = a_case(session, hold="bankruptcy")
        paid_off = a_case(session, balance_cents=0)
        still_being_called = a_case(session)
        cancelled = a_case(session)
        for case in (bankrupt, paid_off, still_being_called):
            end_in_campaign(session, first, case, "exhausted")
        end_in_campaign(session, second, still_being_called, "active")
        end_in_campaign(session, first, cancelled, "cancelled")
        session.commit()
        sweep(session)
        assert listed(session) == {}


def test_the_sweep_is_idempotent_and_a_case_is_on_one_open_list_at_most(engine: Engine) -> None:
    with Session(engine) as session:
        first = make_campaign(session, "first", launched_at=NOW - dt.timedelta(days=30))
        second = make_campaign(session, "second")
        twice = a_case(session)
        once = a_case(session, taxpayer_type="business")
        end_in_campaign(session, first, twice, "exhausted", closed_at=NOW - dt.timedelta(days=20))
        end_in_campaign(session, second, twice, "exhausted", closed_at=NOW)
        end_in_campaign(session, second, once, "exhausted")
        session.commit()
        assert sweep(session).total_listed == 2
        snapshot = session.execute(
            select(CallListEntry.id, CallListEntry.case_id, CallListEntry.campaign_id, CallListEntry.status).order_by(
                CallListEntry.id
            )
        ).all()
        again = sweep(session)
        assert again.total_listed == 0
        assert (
            session.execute(
                select(
                    CallListEntry.id, CallListEntry.case_id, CallListEntry.campaign_id, CallListEntry.status
                ).order_by(CallListEntry.id)
            ).all()
            == snapshot
        )
        # The latest ending is the one listed.
        assert {case_id: campaign_id for _, case_id, campaign_id, _ in snapshot}[twice.id] == second.id


def test_a_worked_and_closed_case_is_not_listed_again_for_the_same_campaign(engine: Engine) -> None:
    with Session(engine) as session:
        first = make_campaign(session, "first")
        case = a_case(session)
        end_in_campaign(session, first, case, "exhausted")
        session.commit()
        sweep(session)
        session.execute(CallListEntry.__table__.update().values(status="closed", closed_at=LATER))
        session.commit()
        assert sweep(session, LATER + dt.timedelta(days=1)).total_listed == 0
        # A later campaign that ends without a response lists it again.
        later = make_campaign(session, "later", launched_at=LATER + dt.timedelta(days=2))
        end_in_campaign(session, later, case, "exhausted", closed_at=LATER + dt.timedelta(days=3))
        session.commit()
        assert sweep(session, LATER + dt.timedelta(days=4)).total_listed == 1
        assert session.scalar(select(func.count()).select_from(CallListEntry)) == 2


def test_priority_columns_are_copied_from_the_case(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        campaign = make_campaign(session, "first")
        case = a_case(session, balance_cents=777_00)
        case.last_attempt_at = NOW - dt.timedelta(days=3)
        end_in_campaign(session, campaign, case, "reached")
        session.commit()
        sweep(session)
        entry = session.scalars(select(CallListEntry)).one()
        assert (entry.balance_cents, entry.csed_on, entry.last_contact_at, entry.ever_reached) == (
            777_00,
            case.csed_on,
            NOW - dt.timedelta(days=3),
            True,
        )


@pytest.mark.parametrize("segment", ["individual", "bad_number"])
def test_lists_exist_even_in_an_emptied_database(pg_engine: Engine, segment: str) -> None:
    with Session(pg_engine) as session:
        sweep(session)
        assert session.scalar(select(CallList.title).where(CallList.segment == segment))


def test_sweeps_running_at_the_same_time_list_each_case_once(pg_engine: Engine) -> None:
    import threading

    with Session(pg_engine) as session:
        campaign = make_campaign(session, "concurrent")
        for _ in range(200):
            end_in_campaign(session, campaign, a_case(session), "exhausted")
        session.commit()
    totals: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with Session(pg_engine) as session:
                totals.append(sweep(session).total_listed)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(totals) == [0, 0, 0, 200]
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(CallListEntry)) == 200
