"""Representatives working call lists: take next, dispositions, callbacks, release, claim expiry, audit."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import Counter

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse
from contact_service.adapters.db.models import PhoneNumber
from contact_service.domain.access import Actor, Role
from contact_service.domain.escalation import DEFAULT_GRACE, PriorityFacts, priority_key
from contact_service.services import call_lists, call_work, escalation
from contact_service.services.call_lists import NotPermitted
from contact_service.services.call_work import CallbackOutsideWindow, EntryConflict
from tests.factories import end_in_campaign, make_campaign, make_case

# Tuesday 2026-12-01, 14:00 in New York, 11:00 in Los Angeles.
NOW = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)
CLAIM = dt.timedelta(minutes=30)
ALICE = Actor("alice", Role.REPRESENTATIVE)
BOB = Actor("bob", Role.REPRESENTATIVE)
SUPERVISOR = Actor("sam", Role.SUPERVISOR)
_serial = itertools.count(1)


def list_cases(session: Session, count: int = 1, **fields) -> list:  # type: ignore[no-untyped-def]
    """Cases whose campaign ended exhausted, swept onto their list."""
    campaign = make_campaign(session, f"c{next(_serial)}", launched_at=NOW - dt.timedelta(days=20))
    cases = []
    for _ in range(count):
        serial = next(_serial)
        extra = dict(fields)
        extra.setdefault("phone", f"(212) 555-{serial % 9000 + 1000:04d}")
        case = make_case(session, case_number=f"W-{serial}", **extra)
        end_in_campaign(session, campaign, case, "exhausted", closed_at=NOW - dt.timedelta(days=15))
        cases.append(case)
    session.commit()
    escalation.sweep(session, NOW, DEFAULT_GRACE)
    return cases


def individual(session: Session):  # type: ignore[no-untyped-def]
    return call_lists.find_list(session, "individual", SUPERVISOR)


def test_two_representatives_never_get_the_same_case(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        case_ids = {case.id for case in list_cases(session, 120)}
    handed_out: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        actor = Actor(name, Role.SUPERVISOR)
        try:
            with Session(pg_engine) as session:
                target = individual(session)
                while True:
                    taken = call_work.take_next(session, target, actor, NOW, CLAIM)
                    if taken.entry is None:
                        return
                    with lock:
                        handed_out.append(taken.entry.case_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"rep{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(handed_out) == len(case_ids)
    assert [case_id for case_id, times in Counter(handed_out).items() if times > 1] == []
    assert set(handed_out) == case_ids


def test_cases_are_handed_out_in_priority_order(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        cases = list_cases(session, 6)
        shapes = [(True, 500_000, 0, None), (False, 500_000, 0, 5), (False, 500_000, 0, 1), (False, 500_000, 100, 1),
                  (False, 900_000, 900, 1), (False, 500_000, 0, None)]
        for case, (reached, balance, csed_shift, days_since) in zip(cases, shapes):
            session.execute(CallListEntry.__table__.update().where(CallListEntry.case_id == case.id).values(
                ever_reached=reached, balance_cents=balance, csed_on=case.csed_on + dt.timedelta(days=csed_shift),
                last_contact_at=None if days_since is None else NOW - dt.timedelta(days=days_since)))
        session.commit()
        facts = {e.case_id: PriorityFacts(e.ever_reached, e.balance_cents, e.csed_on, e.last_contact_at)
                 for e in session.scalars(select(CallListEntry))}
        order = []
        while (taken := call_work.take_next(session, individual(session), SUPERVISOR, NOW, CLAIM)).entry:
            order.append(taken.entry.case_id)
    assert order == sorted(facts, key=lambda case_id: priority_key(facts[case_id]))


def test_a_case_outside_its_calling_window_is_not_handed_out(pg_engine: Engine) -> None:
    early = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)  # 9:00 in New York, 6:00 in Los Angeles
    with Session(pg_engine) as session:
        [pacific] = list_cases(session, 1, phone="(415) 555-0100", state="CA", balance_cents=9_000_000)
        taken = call_work.take_next(session, individual(session), ALICE_SUPER, early, CLAIM)
        assert taken.entry is None and "8:00-21:00" in taken.reason
        [eastern] = list_cases(session, 1, balance_cents=100)
        assert call_work.take_next(session, individual(session), ALICE_SUPER, early, CLAIM).entry.case_id == eastern.id
        assert call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry.case_id == pacific.id


ALICE_SUPER = Actor("alice", Role.SUPERVISOR)


def test_a_callback_outside_the_window_is_refused_with_the_next_allowed_time(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1, phone="(415) 555-0101", state="CA")
        entry = call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry
        six_am_pacific = dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.UTC)
        with pytest.raises(CallbackOutsideWindow) as refused:
            call_work.record_disposition(session, entry.id, "callback_scheduled", ALICE_SUPER, NOW,
                                         callback_at=six_am_pacific)
        assert refused.value.next_allowed == dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)  # 8:00 Pacific
        saturday = dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC)
        with pytest.raises(CallbackOutsideWindow) as refused:
            call_work.record_disposition(session, entry.id, "callback_scheduled", ALICE_SUPER, NOW, callback_at=saturday)
        assert refused.value.next_allowed == dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)  # Monday 8:00 Pacific

        at = refused.value.next_allowed
        done = call_work.record_disposition(session, entry.id, "callback_scheduled", ALICE_SUPER, NOW, callback_at=at)
        assert (done.status, done.callback_at, done.claimed_by, done.ever_reached) == ("open", at, None, True)
        assert call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry is None
        assert call_work.take_next(session, individual(session), ALICE_SUPER, at, CLAIM).entry.id == entry.id


def test_a_due_callback_comes_before_a_bigger_balance(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        [small] = list_cases(session, 1, balance_cents=100_00)
        entry = call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry
        at = NOW + dt.timedelta(hours=1)
        call_work.record_disposition(session, entry.id, "callback_scheduled", ALICE_SUPER, NOW, callback_at=at)
        list_cases(session, 1, balance_cents=90_000_00)
        assert call_work.take_next(session, individual(session), ALICE_SUPER, at, CLAIM).entry.case_id == small.id


def test_dispositions_close_or_return_the_case_and_record_a_response(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        paying, missed, wrong = list_cases(session, 3)
        target = individual(session)
        by_case = {}
        for _ in range(3):
            entry = call_work.take_next(session, target, ALICE_SUPER, NOW, CLAIM).entry
            by_case[entry.case_id] = entry.id
        closed = call_work.record_disposition(session, by_case[paying.id], "installment_agreement", ALICE_SUPER, NOW,
                                              note="36 months")
        assert (closed.status, closed.disposition) == ("closed", "installment_agreement")
        assert session.scalars(select(CaseResponse.kind).where(CaseResponse.case_id == paying.id)).all() == [
            "installment_agreement"]

        back = call_work.record_disposition(session, by_case[missed.id], "not_reached", ALICE_SUPER, NOW)
        assert (back.status, back.available_at, back.last_contact_at) == ("open", NOW + dt.timedelta(hours=24), NOW)
        assert session.scalar(select(CaseResponse.id).where(CaseResponse.case_id == missed.id)) is None

        moved = call_work.record_disposition(session, by_case[wrong.id], "wrong_number", ALICE_SUPER, NOW)
        assert (moved.status, moved.reason) == ("open", "wrong_number")
        assert call_lists.find_list(session, "bad_number", SUPERVISOR).id == moved.call_list_id
        assert session.scalar(select(PhoneNumber.status).where(PhoneNumber.taxpayer_id == wrong.taxpayer_id)) == "bad"


def test_only_the_claimant_records_or_releases_and_releasing_returns_the_case(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        target = individual(session)
        alice, bob = Actor("alice", Role.REPRESENTATIVE), Actor("bob", Role.REPRESENTATIVE)
        for rep in ("alice", "bob"):
            call_lists.assign(session, target, rep, SUPERVISOR, NOW)
        entry = call_work.take_next(session, target, alice, NOW, CLAIM).entry
        with pytest.raises(NotPermitted):
            call_work.record_disposition(session, entry.id, "dispute", bob, NOW)
        with pytest.raises(NotPermitted):
            call_work.release(session, entry.id, bob, NOW)
        assert call_work.take_next(session, target, bob, NOW, CLAIM).entry is None
        released = call_work.release(session, entry.id, alice, NOW)
        assert (released.status, released.claimed_by) == ("open", None)
        with pytest.raises(EntryConflict):
            call_work.release(session, entry.id, alice, NOW)
        assert call_work.take_next(session, target, bob, NOW, CLAIM).entry.id == entry.id


def test_a_claim_left_untouched_returns_to_its_list(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        entry = call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry
        assert escalation.sweep(session, NOW + CLAIM - dt.timedelta(seconds=1), DEFAULT_GRACE).claims_expired == 0
        assert escalation.sweep(session, NOW + CLAIM, DEFAULT_GRACE).claims_expired == 1
        again = call_work.take_next(session, individual(session), Actor("bob", Role.SUPERVISOR), NOW + CLAIM, CLAIM)
        assert (again.entry.id, again.entry.claimed_by) == (entry.id, "bob")
        actions = session.scalars(select(AuditRecord.action).where(AuditRecord.subject_id == entry.id,
                                                                   AuditRecord.subject_type == "call_list_entry")
                                  .order_by(AuditRecord.id)).all()
        assert actions == ["case_taken", "claim_expired", "case_taken"]


def test_a_representative_sees_and_works_only_assigned_lists(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        call_lists.assign(session, call_lists.find_list(session, "business", SUPERVISOR), "alice", SUPERVISOR, NOW)
        assert [s.segment for s in call_lists.summaries(session, ALICE, NOW)] == ["business"]
        with pytest.raises(NotPermitted):
            call_lists.find_list(session, "individual", ALICE)
        with pytest.raises(NotPermitted):
            call_work.take_next(session, individual(session), Actor("vera", Role.VIEWER), NOW, CLAIM)


def test_the_audit_trail_cannot_be_changed(engine: Engine) -> None:
    with Session(engine) as session:
        list_cases(session, 1)
        call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM)
        assert session.scalar(select(AuditRecord.id).limit(1)) is not None
    for statement in ("UPDATE audit_records SET actor = 'mallory'", "DELETE FROM audit_records"):
        with Session(engine) as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()


def test_a_hold_that_arrives_after_listing_keeps_the_case_from_representatives(pg_engine: Engine) -> None:
    from contact_service.adapters.db.models import CaseHold

    with Session(pg_engine) as session:
        [held] = list_cases(session, 1, balance_cents=9_000_000)
        session.add(CaseHold(case_id=held.id, hold="bankruptcy", source="operator", placed_at=NOW))
        session.commit()
        assert call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry is None
        [other] = list_cases(session, 1, balance_cents=100)
        assert call_work.take_next(session, individual(session), ALICE_SUPER, NOW, CLAIM).entry.case_id == other.id
