"""Case actions as units of work: a failed commit leaves neither the change nor its audit record, and each
API or platform action leaves exactly one audit record naming who acted (real SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.case_store import CaseStore
from contact_service.adapters.db.engine import session_factory
from contact_service.adapters.db.escalation_models import CallList, CallListAssignment, CallListEntry
from contact_service.adapters.db.models import CallAttempt, Case, ImportRun
from contact_service.clock import FixedClock
from contact_service.domain.access import CALL_CENTRE_PLATFORM, Actor, Role
from contact_service.domain.case_record import CASE_COLUMNS, CaseRecord
from contact_service.domain.errors import Forbidden, Invalid, NotFound
from contact_service.domain.states import CallbackMatch, ImportRunStatus
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases import cases as case_actions
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case, primary_phone
from tests.integration.test_inbound_callback import report
from tests.unit_of_work_support import (
    FailingCommitUnitOfWork,
    InjectedCommitFailure,
    audit_count,
    audit_rows,
    table_snapshot,
)

CLOCK = FixedClock(DEFAULT_NOW)
OPERATOR = Actor("olga", Role.OPERATOR)
SUPERVISOR = Actor("sam", Role.SUPERVISOR)
HEADER = ",".join(CASE_COLUMNS)
CASE_TABLES = ("taxpayers", "cases", "phone_numbers", "case_holds")
RESPONSE_TABLES = ("case_responses", "cases", "call_attempts", "campaign_cases", "call_list_entries")
CALLBACK_TABLES = ("inbound_callbacks", *RESPONSE_TABLES)


def row(number: int) -> str:
    phone = f"(212) 555-{number:04d}"
    return f"A-{number},individual,Maria Lopez,{phone},NY,4512.33,CP504,2026-09-15,2025-06-02,,false,1234"


def case_file(*numbers: int, bad_rows: int = 0) -> io.BytesIO:
    rows = [row(n) for n in numbers] + [row(900 + n).replace("CP504", "CP999") for n in range(bad_rows)]
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode())


def good(engine: Engine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), CLOCK)


def failing(engine: Engine) -> FailingCommitUnitOfWork:
    return FailingCommitUnitOfWork(session_factory(engine), CLOCK)


def runs(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                select(ImportRun.status, ImportRun.finished_at, ImportRun.rows_read, ImportRun.rows_imported)
            )
        ]


def case_numbers(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Case.case_number).order_by(Case.case_number)))


def attempt_states(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(CallAttempt.state).order_by(CallAttempt.id)))


# --------------------------------------------------------------------------------------------- cases import


def test_an_import_leaves_one_audit_record_with_its_summary(engine: Engine) -> None:
    with CaseStore(engine) as store:
        summary = case_actions.import_cases(
            good(engine), SUPERVISOR, case_file(1, 2, 3, bad_rows=1), store, source_name="cases.csv", batch_size=2
        )
    assert (summary.rows_read, summary.rows_imported, summary.rows_rejected) == (4, 3, 1)
    [record] = audit_rows(engine)
    assert (record["actor"], record["role"], record["action"]) == ("sam", "supervisor", "cases_imported")
    assert record["subject_type"] == "import_run" and record["subject_id"] == 1
    assert json.loads(record["detail"]) == {
        "source": "cases.csv",
        "rows_read": 4,
        "rows_imported": 3,
        "rows_rejected": 1,
    }
    assert runs(engine) == [(ImportRunStatus.COMPLETED_WITH_REJECTIONS.value, DEFAULT_NOW, 4, 3)]


def test_a_failed_final_commit_leaves_neither_the_summary_nor_its_audit_record(engine: Engine) -> None:
    with CaseStore(engine) as store, pytest.raises(InjectedCommitFailure):
        case_actions.import_cases(
            failing(engine), SUPERVISOR, case_file(1, 2, 3), store, source_name="cases.csv", batch_size=2
        )
    assert audit_count(engine) == 0
    assert runs(engine) == [(ImportRunStatus.RUNNING.value, None, 0, 0)]  # started, never finished
    assert case_numbers(engine) == ["A-1", "A-2", "A-3"]  # the batches committed on their own, by design


class FailingBatchCommit:
    """A case store whose `fail_at`-th batch does its work and then fails to commit."""

    def __init__(self, store: CaseStore, fail_at: int) -> None:
        self._store, self._fail_at = store, fail_at
        self._batches = 0
        self._armed = False

    def refuse_commit(self, connection: Connection) -> None:
        if self._armed:
            raise InjectedCommitFailure("batch commit refused by the test")

    def start_run(self, source_name: str, now: dt.datetime) -> int:
        return self._store.start_run(source_name, now)

    def upsert(self, records: list[CaseRecord], now: dt.datetime) -> None:
        self._batches += 1
        self._armed = self._batches == self._fail_at
        try:
            self._store.upsert(records, now)
        finally:
            self._armed = False

    def finish_run(self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime) -> None:
        raise AssertionError("an import whose batch failed must not finish")


def test_a_failed_batch_commit_leaves_none_of_that_batchs_rows(engine: Engine) -> None:
    # The store is closed (its connection rolled back) before looking, as the CLI's `with` block does.
    with CaseStore(engine) as store:
        writer = FailingBatchCommit(store, fail_at=2)
        event.listen(engine, "commit", writer.refuse_commit)
        try:
            with pytest.raises(InjectedCommitFailure):
                case_actions.import_cases(
                    good(engine), SUPERVISOR, case_file(1, 2, 3, 4, 5), writer, source_name="cases.csv", batch_size=2
                )
        finally:
            event.remove(engine, "commit", writer.refuse_commit)
    assert case_numbers(engine) == ["A-1", "A-2"]  # the first batch stays; none of the second
    assert audit_count(engine) == 0
    assert runs(engine) == [(ImportRunStatus.RUNNING.value, None, 0, 0)]


def test_an_import_is_refused_to_an_actor_without_the_permission(engine: Engine) -> None:
    with CaseStore(engine) as store, pytest.raises(Forbidden) as refused:
        case_actions.import_cases(good(engine), OPERATOR, case_file(1), store, source_name="cases.csv", batch_size=2)
    assert refused.value.permission == "import_cases"
    assert runs(engine) == [] and audit_count(engine) == 0


def test_an_unusable_file_names_itself_and_writes_nothing(engine: Engine) -> None:
    with CaseStore(engine) as store, pytest.raises(case_actions.CaseFileError) as refused:
        case_actions.import_cases(
            good(engine), SUPERVISOR, io.BytesIO(b""), store, source_name="empty.csv", batch_size=2
        )
    assert str(refused.value) == "empty.csv: the file is empty; nothing was imported"
    assert isinstance(refused.value, Invalid) and refused.value.field == "empty.csv"
    assert runs(engine) == [] and audit_count(engine) == 0


# ------------------------------------------------------------------------------------------ record response


def case_being_called(engine: Engine, phone: str = "(212) 555-0147", number: str = "R-1") -> int:
    """A case with a planned call in a running campaign and an open entry on a call list; returns its id."""
    with Session(engine) as session:
        case = make_case(session, phone=phone, case_number=number)
        campaign = make_campaign(session, f"running {number}", status="running")
        end_in_campaign(session, campaign, case, "active")
        phone_row = primary_phone(session, case)
        session.add(
            CallAttempt(
                campaign_id=campaign.id,
                case_id=case.id,
                phone_number_id=phone_row.id,
                to_e164=phone_row.e164,
                state="planned",
                created_at=campaign.created_at,
            )
        )
        call_list = session.scalar(select(CallList).where(CallList.segment == "individual"))
        if call_list is None:
            call_list = CallList(segment="individual", title="Individuals")
            session.add(call_list)
            session.flush()
        session.add(
            CallListEntry(
                call_list_id=call_list.id,
                case_id=case.id,
                reason="attempts_exhausted",
                balance_cents=case.balance_cents,
                csed_on=case.csed_on,
                listed_at=DEFAULT_NOW - dt.timedelta(days=1),
            )
        )
        session.commit()
        return case.id


def test_recording_a_response_leaves_one_audit_record(engine: Engine) -> None:
    case_id = case_being_called(engine)
    recorded = case_actions.record_response(good(engine), OPERATOR, case_id, "payment", note="paid in full")
    assert (recorded.case_id, recorded.kind, recorded.recorded_by, recorded.note) == (
        case_id,
        "payment",
        "olga",
        "paid in full",
    )
    [record] = audit_rows(engine)
    assert (record["actor"], record["action"], record["subject_id"], record["case_id"]) == (
        "olga",
        "response_recorded",
        recorded.id,
        case_id,
    )
    assert json.loads(record["detail"])["entries_closed"] == [1]
    assert attempt_states(engine) == ["cancelled"]


def test_a_failed_commit_leaves_neither_the_response_nor_its_audit_record(engine: Engine) -> None:
    case_id = case_being_called(engine)
    before = table_snapshot(engine, *RESPONSE_TABLES)
    with pytest.raises(InjectedCommitFailure):
        case_actions.record_response(failing(engine), OPERATOR, case_id, "payment")
    assert table_snapshot(engine, *RESPONSE_TABLES) == before
    assert audit_count(engine) == 0


@pytest.mark.parametrize(
    "kind, responded_at, note, error, field",
    [
        ("gift_card", None, None, Invalid, "kind"),
        ("payment", DEFAULT_NOW + dt.timedelta(hours=1), None, Invalid, "responded_at"),
        ("payment", None, "x" * 501, Invalid, "note"),
    ],
)
def test_a_refused_response_changes_nothing(engine: Engine, kind, responded_at, note, error, field) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(engine)
    before = table_snapshot(engine, *RESPONSE_TABLES)
    with pytest.raises(error) as refused:
        case_actions.record_response(good(engine), OPERATOR, case_id, kind, responded_at, note)
    assert refused.value.field == field
    assert table_snapshot(engine, *RESPONSE_TABLES) == before and audit_count(engine) == 0


def test_a_response_on_an_unknown_case_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        case_actions.record_response(good(engine), OPERATOR, 424242, "payment")
    assert audit_count(engine) == 0


def test_a_viewer_may_not_record_a_response(engine: Engine) -> None:
    case_id = case_being_called(engine)
    with pytest.raises(Forbidden):
        case_actions.record_response(good(engine), Actor("vic", Role.VIEWER), case_id, "payment")
    assert audit_count(engine) == 0


def test_the_api_records_one_audit_record_naming_the_token_subject(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine)
    headers = token_for("representative", "rita")
    with Session(pg_engine) as session:  # a representative records responses only on cases she may see
        individual = session.scalar(select(CallList.id).where(CallList.segment == "individual"))
        session.add(
            CallListAssignment(
                call_list_id=individual, representative="rita", assigned_by="sam", assigned_at=DEFAULT_NOW
            )
        )
        session.commit()
    before = audit_count(pg_engine)
    reply = api_client.post(f"/api/v1/cases/{case_id}/responses", json={"kind": "dispute"}, headers=headers)
    assert reply.status_code == 201, reply.json
    new = audit_rows(pg_engine)[before:]
    assert [(r["actor"], r["role"], r["action"], r["case_id"]) for r in new] == [
        ("rita", "representative", "response_recorded", case_id)
    ]
    refused = api_client.post(f"/api/v1/cases/{case_id}/responses", json={"kind": "gift_card"}, headers=headers)
    assert refused.status_code == 400 and audit_count(pg_engine) == before + 1


# --------------------------------------------------------------------------------------- inbound callback


def test_an_inbound_callback_leaves_one_audit_record_naming_the_platform(engine: Engine) -> None:
    case_id = case_being_called(engine)
    result = case_actions.record_inbound_callback(
        good(engine), CALL_CENTRE_PLATFORM, "(212) 555-0147", DEFAULT_NOW, "CC1"
    )
    assert (result.status, result.case_ids, result.duplicate) == (CallbackMatch.MATCHED, (case_id,), False)
    [record] = audit_rows(engine)
    assert (record["actor"], record["role"], record["action"], record["case_id"]) == (
        "call-centre-platform",
        "system",
        "inbound_callback_recorded",
        case_id,
    )
    detail = json.loads(record["detail"])
    assert (detail["match"], detail["cases"], detail["entries_closed"]) == ("matched", [case_id], [1])
    again = case_actions.record_inbound_callback(
        good(engine), CALL_CENTRE_PLATFORM, "(212) 555-0147", DEFAULT_NOW, "CC1"
    )
    assert again.duplicate and audit_count(engine) == 1  # a retried delivery is not a second action


def test_a_failed_commit_leaves_neither_the_callback_nor_its_audit_record(engine: Engine) -> None:
    case_being_called(engine)
    before = table_snapshot(engine, *CALLBACK_TABLES)
    with pytest.raises(InjectedCommitFailure):
        case_actions.record_inbound_callback(
            failing(engine), CALL_CENTRE_PLATFORM, "(212) 555-0147", DEFAULT_NOW, "CC1"
        )
    assert table_snapshot(engine, *CALLBACK_TABLES) == before
    assert audit_count(engine) == 0


def test_the_webhook_leaves_one_audit_record_naming_the_platform(api_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    case_being_called(pg_engine, phone="(212) 555-0148", number="S-1")
    case_being_called(pg_engine, phone="212 555 0148", number="S-2")
    reply = report(api_client, {"caller": "+1 (212) 555-0148", "called_at": "2026-11-24T18:00:00Z"})
    assert reply.json["match"] == "ambiguous"
    [record] = audit_rows(pg_engine)
    assert (record["actor"], record["action"], record["case_id"]) == (
        "call-centre-platform",
        "inbound_callback_recorded",
        None,  # several cases: each is named in the detail
    )
    assert len(json.loads(record["detail"])["cases"]) == 2
    unmatched = report(api_client, {"caller": "(212) 555-0199", "called_at": "2026-11-24T18:00:00Z"})
    assert unmatched.json["match"] == "unmatched" and audit_count(pg_engine) == 2


# --------------------------------------------------------------- resolving a shared number, amending responses

REVIEW_TABLES = ("inbound_callbacks", "inbound_callback_matches", *RESPONSE_TABLES)


def ambiguous_callback(engine: Engine) -> tuple[int, list[int]]:
    """A report from a number two cases being called share; (its id, the two case ids)."""
    cases = [case_being_called(engine, phone="(212) 555-0163", number=f"AM-{n}") for n in (1, 2)]
    result = case_actions.record_inbound_callback(
        good(engine), CALL_CENTRE_PLATFORM, "(212) 555-0163", DEFAULT_NOW, "CC-AM"
    )
    assert result.status is CallbackMatch.AMBIGUOUS and result.recorded.response_ids == ()
    return result.callback_id, cases


def test_a_resolution_leaves_one_audit_record_and_a_failed_commit_leaves_nothing(engine: Engine) -> None:
    callback_id, cases = ambiguous_callback(engine)
    before, audits = table_snapshot(engine, *REVIEW_TABLES), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        case_actions.resolve_inbound_callback(failing(engine), SUPERVISOR, callback_id, cases[:1])
    assert table_snapshot(engine, *REVIEW_TABLES) == before and audit_count(engine) == audits
    resolved = case_actions.resolve_inbound_callback(good(engine), SUPERVISOR, callback_id, cases[:1])
    assert resolved.case_ids == (cases[0],) and len(resolved.recorded.response_ids) == 1
    record = audit_rows(engine)[-1]
    assert (record["actor"], record["action"], record["case_id"]) == ("sam", "inbound_callback_resolved", cases[0])
    with pytest.raises(Forbidden):
        case_actions.resolve_inbound_callback(good(engine), OPERATOR, callback_id, [])


@pytest.mark.parametrize("amend", ["correct", "withdraw"])
def test_amending_a_response_is_all_or_nothing(engine: Engine, amend: str) -> None:
    case_id = case_being_called(engine)
    recorded = case_actions.record_response(good(engine), OPERATOR, case_id, "payment")

    def act(uow: UnitOfWork) -> Any:
        if amend == "correct":
            return case_actions.correct_response(uow, SUPERVISOR, recorded.id, DEFAULT_NOW, "entered twice")
        return case_actions.withdraw_response(uow, SUPERVISOR, recorded.id, "entered on the wrong case")

    before, audits = table_snapshot(engine, *RESPONSE_TABLES), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        act(failing(engine))
    assert table_snapshot(engine, *RESPONSE_TABLES) == before and audit_count(engine) == audits
    act(good(engine))
    record = audit_rows(engine)[-1]
    assert (record["actor"], record["action"], record["case_id"], record["subject_id"]) == (
        "sam",
        f"response_{amend}ed" if amend == "correct" else "response_withdrawn",
        case_id,
        recorded.id,
    )
    with pytest.raises(Forbidden):
        case_actions.withdraw_response(good(engine), OPERATOR, recorded.id, "not mine to withdraw")
