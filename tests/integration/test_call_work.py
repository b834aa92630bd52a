"""Representatives working call lists: take next, dispositions, callbacks, release, claim expiry, audit."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse
from contact_service.adapters.db.models import PhoneNumber
from contact_service.domain.access import Actor, Role
from contact_service.domain.errors import Conflict, Forbidden, OutsideCallingWindow
from contact_service.domain.escalation import PriorityFacts, priority_key
from contact_service.read import call_lists as read_call_lists
from contact_service.read.call_lists import EntryRow
from contact_service.use_cases import call_lists as list_actions
from contact_service.use_cases.call_lists import Taken
from tests.call_list_support import make_representative, sweep, unit_of_work
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
    sweep(session, NOW)
    return cases


def take(bind: Engine | Session, actor: Actor, now: dt.datetime = NOW, list_ref: int | str = "individual") -> Taken:
    """Take the next case as `actor` (a test's session is committed first: see unit_of_work)."""
    return list_actions.take_next_case(unit_of_work(bind, now), actor, list_ref, claim_limit=CLAIM)


def dispose(
    bind: Engine | Session, entry_id: int, disposition: str, actor: Actor, now: dt.datetime = NOW, **extra: Any
) -> EntryRow:
    return list_actions.record_disposition(unit_of_work(bind, now), actor, entry_id, disposition, **extra)


def release(bind: Engine | Session, entry_id: int, actor: Actor, now: dt.datetime = NOW) -> EntryRow:
    return list_actions.release_case(unit_of_work(bind, now), actor, entry_id)


def assign(bind: Engine | Session, list_ref: str, representative: str) -> None:
    make_representative(bind, representative)
    list_actions.assign_list(unit_of_work(bind, NOW), SUPERVISOR, list_ref, representative)


def test_two_representatives_never_get_the_same_case(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        case_ids = {case.id for case in list_cases(session, 120)}
    handed_out: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        actor = Actor(name, Role.SUPERVISOR)
        try:
            while True:
                taken = take(pg_engine, actor)
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
        shapes = [
            (True, 500_000, 0, None),
            (False, 500_000, 0, 5),
            (False, 500_000, 0, 1),
            (False, 500_000, 100, 1),
            (False, 900_000, 900, 1),
            (False, 500_000, 0, None),
        ]
        for case, (reached, balance, csed_shift, days_since) in zip(cases, shapes, strict=True):
            session.execute(
                CallListEntry.__table__.update()
                .where(CallListEntry.case_id == case.id)
                .values(
                    ever_reached=reached,
                    balance_cents=balance,
                    csed_on=case.csed_on + dt.timedelta(days=csed_shift),
                    last_contact_at=None if days_since is None else NOW - dt.timedelta(days=days_since),
                )
            )
        session.commit()
        facts = {
            e.case_id: PriorityFacts(e.ever_reached, e.balance_cents, e.csed_on, e.last_contact_at)
            for e in session.scalars(select(CallListEntry))
        }
        order = []
        while (taken := take(session, SUPERVISOR)).entry:
            order.append(taken.entry.case_id)
    assert order == sorted(facts, key=lambda case_id: priority_key(facts[case_id]))


def test_a_case_outside_its_calling_window_is_not_handed_out(pg_engine: Engine) -> None:
    early = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)  # 9:00 in New York, 6:00 in Los Angeles
    with Session(pg_engine) as session:
        [pacific] = list_cases(session, 1, phone="(415) 555-0100", state="CA", balance_cents=9_000_000)
        taken = take(session, ALICE_SUPER, early)
        assert taken.entry is None and "8:00-21:00" in taken.reason
        [eastern] = list_cases(session, 1, balance_cents=100)
        assert take(session, ALICE_SUPER, early).entry.case_id == eastern.id
        assert take(session, ALICE_SUPER, NOW).entry.case_id == pacific.id


ALICE_SUPER = Actor("alice", Role.SUPERVISOR)


def test_a_callback_outside_the_window_is_refused_with_the_next_allowed_time(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1, phone="(415) 555-0101", state="CA")
        entry = take(session, ALICE_SUPER).entry
        six_am_pacific = dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.UTC)
        with pytest.raises(OutsideCallingWindow) as refused:
            dispose(session, entry.id, "callback_scheduled", ALICE_SUPER, callback_at=six_am_pacific)
        assert refused.value.next_allowed == dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)  # 8:00 Pacific
        saturday = dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC)
        with pytest.raises(OutsideCallingWindow) as refused:
            dispose(session, entry.id, "callback_scheduled", ALICE_SUPER, callback_at=saturday)
        assert refused.value.next_allowed == dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)  # Monday 8:00 Pacific

        at = refused.value.next_allowed
        done = dispose(session, entry.id, "callback_scheduled", ALICE_SUPER, callback_at=at)
        assert (done.status, done.callback_at, done.claimed_by, done.ever_reached) == ("open", at, None, True)
        assert take(session, ALICE_SUPER, NOW).entry is None
        assert take(session, ALICE_SUPER, at).entry.id == entry.id


def test_a_due_callback_comes_before_a_bigger_balance(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        [small] = list_cases(session, 1, balance_cents=100_00)
        entry = take(session, ALICE_SUPER).entry
        at = NOW + dt.timedelta(hours=1)
        dispose(session, entry.id, "callback_scheduled", ALICE_SUPER, callback_at=at)
        list_cases(session, 1, balance_cents=90_000_00)
        assert take(session, ALICE_SUPER, at).entry.case_id == small.id


def test_dispositions_close_or_return_the_case_and_record_a_response(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        paying, missed, wrong = list_cases(session, 3)
        by_case = {}
        for _ in range(3):
            entry = take(session, ALICE_SUPER).entry
            by_case[entry.case_id] = entry.id
        closed = dispose(session, by_case[paying.id], "installment_agreement", ALICE_SUPER, note="36 months")
        assert (closed.status, closed.disposition) == ("closed", "installment_agreement")
        assert session.scalars(select(CaseResponse.kind).where(CaseResponse.case_id == paying.id)).all() == [
            "installment_agreement"
        ]

        back = dispose(session, by_case[missed.id], "not_reached", ALICE_SUPER)
        assert (back.status, back.available_at, back.last_contact_at) == ("open", NOW + dt.timedelta(hours=24), NOW)
        assert session.scalar(select(CaseResponse.id).where(CaseResponse.case_id == missed.id)) is None

        moved = dispose(session, by_case[wrong.id], "wrong_number", ALICE_SUPER)
        assert (moved.status, moved.reason) == ("open", "wrong_number")
        assert moved.call_list == "bad_number"
        assert session.scalar(select(PhoneNumber.status).where(PhoneNumber.taxpayer_id == wrong.taxpayer_id)) == "bad"


def test_only_the_claimant_records_or_releases_and_releasing_returns_the_case(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        alice, bob = Actor("alice", Role.REPRESENTATIVE), Actor("bob", Role.REPRESENTATIVE)
        for rep in ("alice", "bob"):
            assign(session, "individual", rep)
        entry = take(session, alice).entry
        with pytest.raises(Forbidden):
            dispose(session, entry.id, "dispute", bob)
        with pytest.raises(Forbidden):
            release(session, entry.id, bob)
        assert take(session, bob).entry is None
        released = release(session, entry.id, alice)
        assert (released.status, released.claimed_by) == ("open", None)
        with pytest.raises(Conflict):
            release(session, entry.id, alice)
        assert take(session, bob).entry.id == entry.id


def test_a_claim_left_untouched_returns_to_its_list(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        entry = take(session, ALICE_SUPER).entry
        assert sweep(session, NOW + CLAIM - dt.timedelta(seconds=1)).claims_expired == 0
        expired = sweep(session, NOW + CLAIM)
        assert (expired.claims_expired, expired.expired_entry_ids) == (1, (entry.id,))
        again = take(session, Actor("bob", Role.SUPERVISOR), NOW + CLAIM)
        assert (again.entry.id, again.entry.claimed_by) == (entry.id, "bob")
        actions = session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.subject_id == entry.id, AuditRecord.subject_type == "call_list_entry")
            .order_by(AuditRecord.id)
        ).all()
        assert actions == ["case_taken", "case_taken"]
        # The claim's return is in the record of the sweep that returned it (one record per sweep).
        sweeps = session.scalars(
            select(AuditRecord.detail).where(AuditRecord.action == "escalation_sweep").order_by(AuditRecord.id)
        ).all()
        assert [json.loads(detail)["expired_claims"] for detail in sweeps] == [
            [],
            [],
            [{"entry_id": entry.id, "case_id": entry.case_id, "claimed_by": "alice"}],
        ]


def test_a_representative_sees_and_works_only_assigned_lists(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        list_cases(session, 1)
        assign(session, "business", "alice")
        assert [s.segment for s in read_call_lists.summaries(session, ALICE, NOW)] == ["business"]
        with pytest.raises(Forbidden):
            read_call_lists.summary(session, ALICE, "individual", NOW)
        with pytest.raises(Forbidden):
            take(session, ALICE)
        with pytest.raises(Forbidden):
            take(session, Actor("vera", Role.VIEWER))


def test_the_audit_trail_cannot_be_changed(engine: Engine) -> None:
    with Session(engine) as session:
        list_cases(session, 1)
        take(session, ALICE_SUPER)
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
        assert take(session, ALICE_SUPER).entry is None
        [other] = list_cases(session, 1, balance_cents=100)
        assert take(session, ALICE_SUPER).entry.case_id == other.id
