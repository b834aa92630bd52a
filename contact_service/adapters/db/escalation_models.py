"""Tables of the escalation phase: responses, inbound callback reports, call lists and their entries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from contact_service.adapters.db.models import Base, _one_of
from contact_service.adapters.db.types import Id, UTCDateTime
from contact_service.domain.call_work import Disposition
from contact_service.domain.escalation import EscalationReason, ResponseKind, Segment
from contact_service.domain.states import CallbackMatch, EntryStatus


class InboundCallback(Base):
    """A report that someone called the official line, as the call-centre platform sent it; kept whatever it
    matched. `cases_matched` is how many open cases the caller's number matched (0: logged only).

    A number that matched several cases (a switchboard, a shared line, a reassigned number) records no response
    on its own: the report waits (`match_status` ambiguous, `resolved_at` NULL) until a supervisor resolves it
    to one case, several or none; only the resolution records responses."""

    __tablename__ = "inbound_callbacks"
    __table_args__ = (
        CheckConstraint(_one_of("match_status", CallbackMatch), name="match_status"),
        # The review queue: reports waiting for a supervisor.
        Index(
            "ix_inbound_callbacks_pending",
            "id",
            sqlite_where=text(f"match_status = '{CallbackMatch.AMBIGUOUS.value}' AND resolved_at IS NULL"),
            postgresql_where=text(f"match_status = '{CallbackMatch.AMBIGUOUS.value}' AND resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The platform's id for the call, or caller + time: a report sent twice is stored once.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    caller_raw: Mapped[str] = mapped_column(String(64))
    caller_e164: Mapped[str | None] = mapped_column(String(20))
    called_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    match_status: Mapped[str] = mapped_column(String(16))
    cases_matched: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class InboundCallbackMatch(Base):
    """A case the caller's number matched when the report arrived: the candidates a supervisor resolves among."""

    __tablename__ = "inbound_callback_matches"

    inbound_callback_id: Mapped[int] = mapped_column(ForeignKey("inbound_callbacks.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)


class CaseResponse(Base):
    """The taxpayer responded: called back, paid, asked for an agreement or offer, disputed, or was reached
    by a representative. Stops automated calls; a case with a response after its campaign is not escalated.

    A supervisor may correct its time or withdraw it (`withdrawn_at`): a withdrawn response no longer counts,
    and the case's `last_response_at` is the latest of those that remain."""

    __tablename__ = "case_responses"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ResponseKind), name="kind"),
        Index("ix_case_responses_case_id", "case_id", "responded_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    responded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    inbound_callback_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_callbacks.id"))
    # True only on responses recorded before migration 0006 from a number that matched several cases (each was
    # marked responded then). Since then such a report records nothing until a supervisor resolves it.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))


class CallList(Base):
    """One list of cases for representatives to work; one per segment (design 2.5)."""

    __tablename__ = "call_lists"
    __table_args__ = (CheckConstraint(_one_of("segment", Segment), name="segment"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    segment: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))


class CallListAssignment(Base):
    """A representative allowed to work a list (a representative sees only the lists assigned to them)."""

    __tablename__ = "call_list_assignments"

    call_list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id"), primary_key=True)
    representative: Mapped[str] = mapped_column(String(100), primary_key=True)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CallListEntry(Base):
    """A case on a call list. Open until a disposition closes it; at most one open entry per case.

    status: open (waiting; not before `available_at`) -> claimed (by one representative until
    `claim_expires_at`) -> open again (released, callback scheduled, not reached) or closed. The priority
    columns are copied from the case when it is listed, so taking the next case is one index scan.
    """

    __tablename__ = "call_list_entries"
    __table_args__ = (
        CheckConstraint(_one_of("status", EntryStatus), name="status"),
        CheckConstraint(_one_of("reason", EscalationReason), name="reason"),
        CheckConstraint(f"disposition IS NULL OR {_one_of('disposition', Disposition)}", name="disposition"),
        Index(
            "uq_call_list_entries_open_case",
            "case_id",
            unique=True,
            sqlite_where=text(f"status <> '{EntryStatus.CLOSED.value}'"),
            postgresql_where=text(f"status <> '{EntryStatus.CLOSED.value}'"),
        ),
        # Take-next: the list's open entries in priority order.
        Index(
            "ix_call_list_entries_priority",
            "call_list_id",
            "ever_reached",
            text("balance_cents DESC"),
            "csed_on",
            "last_contact_at",
            "id",
            sqlite_where=text(f"status = '{EntryStatus.OPEN.value}'"),
            postgresql_where=text(f"status = '{EntryStatus.OPEN.value}'"),
        ),
        Index(
            "ix_call_list_entries_callbacks",
            "call_list_id",
            "callback_at",
            sqlite_where=text(f"status = '{EntryStatus.OPEN.value}' AND callback_at IS NOT NULL"),
            postgresql_where=text(f"status = '{EntryStatus.OPEN.value}' AND callback_at IS NOT NULL"),
        ),
        Index(
            "ix_call_list_entries_claims",
            "claim_expires_at",
            sqlite_where=text(f"status = '{EntryStatus.CLAIMED.value}'"),
            postgresql_where=text(f"status = '{EntryStatus.CLAIMED.value}'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    call_list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))  # whose ending escalated it
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default=EntryStatus.OPEN.value)
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    csed_on: Mapped[dt.date] = mapped_column(Date)
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ever_reached: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a scheduled callback or retry
    callback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    disposition: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
