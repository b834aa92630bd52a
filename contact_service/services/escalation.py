"""The escalation sweep: cases whose automated phase ended without a response go onto call lists.

One INSERT ... SELECT over every campaign case (design 3: set-based), safe to run at any time and any number
of times: a case already on an open list, or already listed for the same campaign ending, is left alone.
The routing and ordering rules are the domain's (`domain.escalation`); the SQL below states them for many
rows at once, every name in it comes from the domain's enums, and the tests hold it to the domain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session

from contact_service.adapters.db import dialect
from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.adapters.db.types import UTCDateTime
from contact_service.domain.cases import Hold, TaxpayerType
from contact_service.domain.escalation import ENDINGS, HIGH_DOLLAR_CENTS, SKIPS, EscalationReason, Segment
from contact_service.domain.states import CampaignCaseState, EntryStatus, sql_in
from contact_service.services.call_lists import ensure_call_lists

SWEEP_LOCK_KEY = 0x65736361  # the sweep's transaction lock ("esca")
SWEEP_WORK_MEM_MB = 256  # the window sort and the hashed NOT IN lists


def _sql_case(column: str, mapping: Mapping[str, str]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"CASE {column} {whens} END"


_SKIPPED = CampaignCaseState.SKIPPED.value
_REASON = (
    f"CASE WHEN cc.state = '{_SKIPPED}' THEN {_sql_case('cc.skip_reason', {k: v.value for k, v in SKIPS.items()})} "
    f"ELSE {_sql_case('cc.state', {k: v[0].value for k, v in ENDINGS.items()})} END"
)
_WAITS_FOR_CALLBACK = sql_in(state for state, (_, grace) in ENDINGS.items() if grace)

# domain.escalation.segment_for, in its order of precedence, for every row at once.
_SEGMENT = f"""CASE
        WHEN c.poa_on_file OR e.reason = '{EscalationReason.REPRESENTATIVE_ON_FILE.value}'
            THEN '{Segment.REPRESENTATIVE_ON_FILE.value}'
        WHEN e.reason IN ({sql_in((EscalationReason.BAD_NUMBER, EscalationReason.WRONG_NUMBER))})
             OR EXISTS (SELECT 1 FROM case_holds bh WHERE bh.case_id = c.id
                        AND bh.hold = '{Hold.BAD_NUMBER.value}' AND bh.released_at IS NULL)
            THEN '{Segment.BAD_NUMBER.value}'
        WHEN c.balance_cents >= {HIGH_DOLLAR_CENTS} THEN '{Segment.HIGH_DOLLAR.value}'
        ELSE {_sql_case("t.taxpayer_type", {kind.value: Segment(kind.value).value for kind in TaxpayerType})} END"""

# Every campaign ending that could escalate a case, the latest per case first; then the rules.
_SWEEP_SQL = f"""
WITH endings AS (
    SELECT cc.case_id, cc.campaign_id, cc.state, {_REASON} AS reason,
           COALESCE(cc.closed_at, cp.launched_at, cp.created_at) AS ended_at, cp.launched_at,
           ROW_NUMBER() OVER (PARTITION BY cc.case_id
                              ORDER BY COALESCE(cc.closed_at, cp.launched_at, cp.created_at) DESC, cc.campaign_id DESC)
               AS latest
    FROM campaign_cases cc JOIN campaigns cp ON cp.id = cc.campaign_id
    WHERE cc.state IN ({sql_in(ENDINGS)}) OR (cc.state = '{_SKIPPED}' AND cc.skip_reason IN ({sql_in(SKIPS)}))
)
SELECT lists.id, e.case_id, e.campaign_id, e.reason, '{EntryStatus.OPEN.value}', c.balance_cents, c.csed_on,
       c.last_attempt_at,
       EXISTS (SELECT 1 FROM campaign_cases r WHERE r.case_id = c.id
               AND r.state = '{CampaignCaseState.REACHED.value}'),
       :now
FROM endings e
JOIN cases c ON c.id = e.case_id
JOIN taxpayers t ON t.id = c.taxpayer_id
JOIN call_lists lists ON lists.segment = {_SEGMENT}
WHERE e.latest = 1
  AND (e.state NOT IN ({_WAITS_FOR_CALLBACK}) OR e.ended_at <= :grace_cutoff)
  AND c.balance_cents > 0
  AND (c.last_response_at IS NULL OR e.launched_at IS NULL OR c.last_response_at < e.launched_at)
  AND NOT EXISTS (SELECT 1 FROM campaign_cases a WHERE a.case_id = c.id
                  AND a.state = '{CampaignCaseState.ACTIVE.value}')
  AND NOT EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id AND h.released_at IS NULL
                  AND h.hold <> '{Hold.BAD_NUMBER.value}')
  -- NOT IN, not NOT EXISTS: the entries are read once into a hash before the insert starts, instead of
  -- probed per row in a table this very statement is growing.
  AND c.id NOT IN (SELECT o.case_id FROM call_list_entries o WHERE o.status <> '{EntryStatus.CLOSED.value}')
  AND (e.campaign_id, c.id) NOT IN (SELECT d.campaign_id, d.case_id FROM call_list_entries d
                                    WHERE d.campaign_id IS NOT NULL)
"""
_ENTRY_COLUMNS = (
    "call_list_id",
    "case_id",
    "campaign_id",
    "reason",
    "status",
    "balance_cents",
    "csed_on",
    "last_contact_at",
    "ever_reached",
    "listed_at",
)


def list_unanswered_cases(session: Session, now: dt.datetime, grace: dt.timedelta) -> dict[str, int]:
    """List every case whose automated phase ended without a response; how many went onto each list.

    One sweep at a time: a second one waits for the first to commit, then finds everything listed. Flushes
    only; the caller commits (and so ends the lock)."""
    dialect.lock_for_transaction(session, SWEEP_LOCK_KEY)
    ensure_call_lists(session)
    dialect.allow_large_sorts(session, SWEEP_WORK_MEM_MB)
    insert_sql = f"INSERT INTO call_list_entries ({', '.join(_ENTRY_COLUMNS)}) {_SWEEP_SQL}"
    params: dict[str, Any] = {"now": now, "grace_cutoff": now - grace}
    if dialect.is_postgresql(session):
        # Counted in the same statement: the rows inserted, joined to their lists.
        counted = _typed(
            f"WITH listed AS ({insert_sql} RETURNING call_list_id) SELECT lists.segment, count(*) "
            "FROM listed JOIN call_lists lists ON lists.id = listed.call_list_id GROUP BY lists.segment"
        )
        listed = {segment: int(count) for segment, count in session.execute(counted, params)}
    else:  # SQLite has no INSERT inside WITH: count the open entries on each side of the insert
        before = _open_counts(session)
        session.execute(_typed(insert_sql), params)
        after = _open_counts(session)
        listed = {segment: after.get(segment, 0) - before.get(segment, 0) for segment in after}
        listed = {segment: count for segment, count in listed.items() if count > 0}
    session.flush()
    return listed


def _typed(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("grace_cutoff", type_=UTCDateTime()))


def _open_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(CallList.segment, func.count(CallListEntry.id))
        .join(CallListEntry, CallListEntry.call_list_id == CallList.id)
        .where(CallListEntry.status != EntryStatus.CLOSED.value)
        .group_by(CallList.segment)
    )
    return {segment: int(count) for segment, count in rows}
