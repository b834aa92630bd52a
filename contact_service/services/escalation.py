"""The escalation sweep: cases whose automated phase ended without a response go onto call lists.

One INSERT ... SELECT over every campaign case (design 3: set-based), safe to run at any time and any number
of times: a case already on an open list, or already listed for the same campaign ending, is left alone.
The routing and ordering rules are the domain's (`domain.escalation`); the SQL below states them for many
rows at once and the tests hold it to the domain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.adapters.db.types import UTCDateTime
from contact_service.domain.access import SYSTEM, Actor
from contact_service.domain.escalation import ENDINGS, HIGH_DOLLAR_CENTS, SEGMENT_TITLES, SKIPS, Segment
from contact_service.services import audit


def _sql_case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"CASE {column} {whens} END"


_REASON = (
    f"CASE WHEN cc.state = 'skipped' THEN {_sql_case('cc.skip_reason', {k: v.value for k, v in SKIPS.items()})} "
    f"ELSE {_sql_case('cc.state', {k: v[0].value for k, v in ENDINGS.items()})} END"
)
_WAITS_FOR_CALLBACK = ", ".join(f"'{state}'" for state, (_, grace) in ENDINGS.items() if grace)
_ENDED_STATES = ", ".join(f"'{state}'" for state in ENDINGS)
_SKIP_REASONS = ", ".join(f"'{reason}'" for reason in SKIPS)

# Every campaign ending that could escalate a case, the latest per case first; then the rules.
_SWEEP_SQL = f"""
WITH endings AS (
    SELECT cc.case_id, cc.campaign_id, cc.state, {_REASON} AS reason,
           COALESCE(cc.closed_at, cp.launched_at, cp.created_at) AS ended_at, cp.launched_at,
           ROW_NUMBER() OVER (PARTITION BY cc.case_id
                              ORDER BY COALESCE(cc.closed_at, cp.launched_at, cp.created_at) DESC, cc.campaign_id DESC)
               AS latest
    FROM campaign_cases cc JOIN campaigns cp ON cp.id = cc.campaign_id
    WHERE cc.state IN ({_ENDED_STATES}) OR (cc.state = 'skipped' AND cc.skip_reason IN ({_SKIP_REASONS}))
)
SELECT lists.id, e.case_id, e.campaign_id, e.reason, 'open', c.balance_cents, c.csed_on, c.last_attempt_at,
       EXISTS (SELECT 1 FROM campaign_cases r WHERE r.case_id = c.id AND r.state = 'reached'), :now
FROM endings e
JOIN cases c ON c.id = e.case_id
JOIN taxpayers t ON t.id = c.taxpayer_id
JOIN call_lists lists ON lists.segment = CASE
        WHEN c.poa_on_file OR e.reason = 'representative_on_file' THEN 'representative_on_file'
        WHEN e.reason = 'bad_number' OR EXISTS (SELECT 1 FROM case_holds bh WHERE bh.case_id = c.id
                                                 AND bh.hold = 'bad_number' AND bh.released_at IS NULL)
            THEN 'bad_number'
        WHEN c.balance_cents >= {HIGH_DOLLAR_CENTS} THEN 'high_dollar'
        ELSE t.taxpayer_type END
WHERE e.latest = 1
  AND (e.state NOT IN ({_WAITS_FOR_CALLBACK}) OR e.ended_at <= :grace_cutoff)
  AND c.balance_cents > 0
  AND (c.last_response_at IS NULL OR e.launched_at IS NULL OR c.last_response_at < e.launched_at)
  AND NOT EXISTS (SELECT 1 FROM campaign_cases a WHERE a.case_id = c.id AND a.state = 'active')
  AND NOT EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id AND h.released_at IS NULL
                  AND h.hold <> 'bad_number')
  -- NOT IN, not NOT EXISTS: the entries are read once into a hash before the insert starts, instead of
  -- probed per row in a table this very statement is growing.
  AND c.id NOT IN (SELECT o.case_id FROM call_list_entries o WHERE o.status <> 'closed')
  AND (e.campaign_id, c.id) NOT IN (SELECT d.campaign_id, d.case_id FROM call_list_entries d
                                    WHERE d.campaign_id IS NOT NULL)
"""
SWEEP_LOCK_KEY = 0x65736361  # pg_advisory_xact_lock key of the sweep ("esca")
_ENTRY_COLUMNS = ("call_list_id", "case_id", "campaign_id", "reason", "status", "balance_cents", "csed_on",
                  "last_contact_at", "ever_reached", "listed_at")


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: cases listed per segment, and claims returned to their lists."""

    listed: dict[str, int]
    claims_expired: int

    @property
    def total_listed(self) -> int:
        """Cases listed by this sweep, over every list."""
        return sum(self.listed.values())


def ensure_call_lists(session: Session) -> None:
    """Create any segment's list that is missing (migration 0005 creates them; an emptied database may not)."""
    present = set(session.scalars(select(CallList.segment)))
    missing = [segment for segment in Segment if segment.value not in present]
    if missing:
        dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(dialect_insert(CallList).on_conflict_do_nothing(),  # another process may add them too
                        [{"segment": s.value, "title": SEGMENT_TITLES[s]} for s in missing])
        session.flush()


def sweep(session: Session, now: dt.datetime, grace: dt.timedelta, actor: Actor = SYSTEM) -> SweepResult:
    """List every case whose automated phase ended without a response, and expire stale claims. Commits."""
    from contact_service.services.call_work import expire_claims

    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # One sweep at a time (a second waits, then finds everything listed); SQLite has one writer anyway.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK_KEY})
    ensure_call_lists(session)
    claims_expired = expire_claims(session, now)
    columns = ", ".join(_ENTRY_COLUMNS)
    insert_sql = f"INSERT INTO call_list_entries ({columns}) {_SWEEP_SQL}"
    params = {"now": now, "grace_cutoff": now - grace}
    if postgresql:
        session.execute(text("SET LOCAL work_mem = '256MB'"))  # the window sort and the hashed NOT IN lists
        counted = _typed(f"WITH listed AS ({insert_sql} RETURNING call_list_id) SELECT lists.segment, count(*) "
                         "FROM listed JOIN call_lists lists ON lists.id = listed.call_list_id GROUP BY lists.segment")
        listed = {segment: count for segment, count in session.execute(counted, params)}
    else:  # SQLite has no INSERT inside WITH: count the open entries on each side of the insert
        before = _open_counts(session)
        session.execute(_typed(insert_sql), params)
        after = _open_counts(session)
        listed = {segment: after.get(segment, 0) - before.get(segment, 0) for segment in after}
        listed = {segment: count for segment, count in listed.items() if count > 0}
    if listed:
        audit.record(session, actor, "escalation_sweep", "call_list", None, now, listed=listed)
    session.commit()
    return SweepResult(listed, claims_expired)


def _typed(sql: str):  # type: ignore[no-untyped-def]
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("grace_cutoff", type_=UTCDateTime()))


def _open_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(CallList.segment, func.count(CallListEntry.id))
        .join(CallListEntry, CallListEntry.call_list_id == CallList.id)
        .where(CallListEntry.status != "closed").group_by(CallList.segment)
    )
    return {segment: count for segment, count in rows}
