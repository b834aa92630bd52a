"""Tables of the service, as typed SQLAlchemy models. The database is the source of truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contact_service.adapters.db.types import Id, UTCDateTime
from contact_service.domain.call_outcome import Outcome
from contact_service.domain.cases import Hold, NoticeStage, TaxpayerType
from contact_service.domain.script_guard import ScriptKind
from contact_service.domain.states import (
    IN_FLIGHT,
    AttemptState,
    CampaignCaseState,
    CampaignStatus,
    ImportRunStatus,
    PhoneStatus,
    sql_in,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: Iterable[StrEnum]) -> str:
    """A check that `column` holds one of the enum's values (the enum's order is the constraint's order)."""
    return f"{column} IN ({sql_in(values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Taxpayer(Base):
    """A person, business or estate on record. TINs are never stored: only their last four digits."""

    __tablename__ = "taxpayers"
    __table_args__ = (CheckConstraint(_one_of("taxpayer_type", TaxpayerType), name="taxpayer_type"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The case number the taxpayer was first imported under; re-imports find the taxpayer by it.
    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    taxpayer_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(2))
    tin_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PhoneNumber(Base):
    """A taxpayer's number. `zones` are the time zones of the number's own prefix ('' when unknown)."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        UniqueConstraint("taxpayer_id", "e164", name="uq_phone_numbers_taxpayer_e164"),
        CheckConstraint(_one_of("status", PhoneStatus), name="status"),
        Index("ix_phone_numbers_e164", "e164"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("taxpayers.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20))
    zones: Mapped[str] = mapped_column(Text, default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(8), default=PhoneStatus.ACTIVE.value)
    bad_reason: Mapped[str | None] = mapped_column(String(200))
    marked_bad_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Case(Base):
    """A balance-due case. Money is integer cents; `csed_on` (collection statute date) derives from `assessed_on`."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_one_of("notice_stage", NoticeStage), name="notice_stage"),
        CheckConstraint("balance_cents >= 0", name="balance_not_negative"),
        Index("ix_cases_taxpayer_id", "taxpayer_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(64), unique=True)
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"))
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    notice_stage: Mapped[str] = mapped_column(String(8))
    last_notice_on: Mapped[dt.date] = mapped_column(Date)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    csed_on: Mapped[dt.date] = mapped_column(Date)
    poa_on_file: Mapped[bool] = mapped_column(Boolean, default=False)
    # Written when a dial job claims a call for the case: the row lock serializes claims per case, so two
    # campaigns can never both pass the caps for the same case at the same moment.
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The latest response (callback, payment, agreement...): stops automated calls placed after it.
    last_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Enforcement history the recommendations read (design 2.5); set by representatives, never by automation.
    cdp_hearing_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lien_filed_cdp_exhausted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    levy_made: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CaseHold(Base):
    """A hold on a case (design 2.3). Active while `released_at` is null; history is kept, never deleted."""

    __tablename__ = "case_holds"
    __table_args__ = (
        CheckConstraint(_one_of("hold", Hold), name="hold"),
        CheckConstraint("source IN ('import', 'operator', 'system')", name="source"),
        Index(
            "uq_case_holds_active",
            "case_id",
            "hold",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    hold: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ImportRun(Base):
    """One run of `cases import`: what was read, kept and refused."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(32), default=ImportRunStatus.RUNNING.value)


class CallScript(Base):
    """An operator-registered script template. Checked by the guard when registered and again before speaking."""

    __tablename__ = "call_scripts"
    __table_args__ = (CheckConstraint(_one_of("kind", ScriptKind), name="kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Campaign(Base):
    """A call campaign over a selection of cases: its scripts, pace and attempts policy, and its lifecycle."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(_one_of("status", CampaignStatus), name="status"),
        CheckConstraint("calls_per_second > 0", name="calls_per_second_positive"),
        CheckConstraint("max_attempts > 0", name="max_attempts_positive"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    selection: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the case filters
    human_script_id: Mapped[int | None] = mapped_column(ForeignKey("call_scripts.id"))
    voicemail_script_id: Mapped[int | None] = mapped_column(ForeignKey("call_scripts.id"))
    calls_per_second: Mapped[int] = mapped_column()
    max_attempts: Mapped[int] = mapped_column()
    retry_minutes: Mapped[str] = mapped_column(Text, default="{}")  # JSON: outcome -> minutes (null: stop)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    launched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cases_selected: Mapped[int] = mapped_column(default=0)
    cases_planned: Mapped[int] = mapped_column(default=0)
    cases_skipped: Mapped[int] = mapped_column(default=0)


class CampaignCase(Base):
    """A case in a campaign: skipped (and why), being called, or how its automated phase ended."""

    __tablename__ = "campaign_cases"
    __table_args__ = (
        CheckConstraint(_one_of("state", CampaignCaseState), name="state"),
        Index("ix_campaign_cases_case_id", "case_id"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    attempts_made: Mapped[int] = mapped_column(default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CallAttempt(Base):
    """One automated call to one number for one case. Never dialled twice: see `state`.

    state: planned -> queued -> dialing (we asked the provider) -> placed (provider accepted; call_sid known)
    -> ended; or cancelled / skipped before dialing. `provider_status` is the furthest CallStatus seen;
    `outcome` is classified from the whole event log once the call has ended.
    """

    __tablename__ = "call_attempts"
    __table_args__ = (
        CheckConstraint(_one_of("state", AttemptState), name="state"),
        CheckConstraint(f"outcome IS NULL OR {_one_of('outcome', Outcome)}", name="outcome"),
        UniqueConstraint("campaign_id", "case_id", "attempt_number", name="uq_call_attempts_campaign_case_number"),
        # The caps read a case's recent attempts; the history shows them in order.
        Index("ix_call_attempts_case_dialing", "case_id", "dialing_at"),
        # The dispatcher's queue: planned attempts by due time.
        Index(
            "ix_call_attempts_due",
            "due_at",
            sqlite_where=text(f"state = '{AttemptState.PLANNED.value}'"),
            postgresql_where=text(f"state = '{AttemptState.PLANNED.value}'"),
        ),
        # The reconciler and the in-progress cap: attempts between the queue and the end of the call.
        Index(
            "ix_call_attempts_in_flight",
            "state",
            "campaign_id",
            sqlite_where=text(f"state IN ({sql_in(IN_FLIGHT)})"),
            postgresql_where=text(f"state IN ({sql_in(IN_FLIGHT)})"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    attempt_number: Mapped[int] = mapped_column(default=1)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    phone_number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id"))
    to_e164: Mapped[str] = mapped_column(String(20))
    human_script_id: Mapped[int | None] = mapped_column(ForeignKey("call_scripts.id"))
    voicemail_script_id: Mapped[int | None] = mapped_column(ForeignKey("call_scripts.id"))
    state: Mapped[str] = mapped_column(String(16), default=AttemptState.PLANNED.value)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dial_claim: Mapped[str | None] = mapped_column(String(36))  # which dial job owns the attempt while dialing
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column()
    sip_code: Mapped[int | None] = mapped_column()
    duration_seconds: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    dialing_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    placed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CallEvent(Base):
    """Append-only log of everything the provider told us about a call, and what we answered.

    The source of truth for calls: attempts are settled from it (`settled_at` marks events folded in).
    `dedup_key` is unique: a callback Twilio retries or duplicates is stored once and changes nothing.
    """

    __tablename__ = "call_events"
    __table_args__ = (
        Index("ix_call_events_attempt_id", "attempt_id"),
        # The settler's work queue: events not yet folded into their attempt.
        Index(
            "ix_call_events_unsettled",
            "attempt_id",
            sqlite_where=text("settled_at IS NULL"),
            postgresql_where=text("settled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
    call_sid: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # status | amd | gather | voice
    call_status: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    digits: Mapped[str | None] = mapped_column(String(32))
    sequence_number: Mapped[int | None] = mapped_column()
    duration_seconds: Mapped[int | None] = mapped_column()
    error_code: Mapped[int | None] = mapped_column()
    sip_code: Mapped[int | None] = mapped_column()
    detail: Mapped[str | None] = mapped_column(String(64))  # what we answered, for voice/gather events
    provider_timestamp: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
