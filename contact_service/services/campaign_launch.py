"""Previewing and launching a campaign over a selection of cases, set-based (a million cases is routine).

The calling window of every distinct (number zones, state) pair among the selected cases is computed in
Python by the domain's CallingWindow (a few hundred pairs at most), loaded into a temporary table, and joined:
one INSERT ... SELECT writes every campaign case with its skip reason, a second one writes every first
attempt with its due time. The SQL reasons mirror contact_policy.ineligibility, in the same order, and the
cap query mirrors contact_policy.within_caps; a test holds each to the domain. These functions only flush:
the use case that calls them audits and commits.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Date, MetaData, String, Table, Text, bindparam, insert, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, TextClause

from contact_service.adapters.db import dialect
from contact_service.adapters.db.models import Campaign
from contact_service.adapters.db.types import UTCDateTime
from contact_service.domain.cases import NoticeStage
from contact_service.domain.contact_policy import DAY, WEEK, ContactPolicy, SkipReason
from contact_service.domain.errors import Conflict, NotFound
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.domain.states import AttemptState, CampaignCaseState, CampaignStatus, PhoneStatus


@dataclass(frozen=True)
class CaseSelection:
    """Which cases a campaign covers: each filter narrows it; an empty filter selects everything."""

    taxpayer_types: tuple[str, ...] = ()
    notice_stages: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    balance_min_cents: int | None = None
    balance_max_cents: int | None = None
    case_numbers: tuple[str, ...] = ()

    def to_json(self) -> str:
        """Stored form."""
        return json.dumps(
            {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in self.__dict__.items()
                if value not in ((), None)
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text_value: str) -> CaseSelection:
        """Inverse of to_json."""
        data: dict[str, Any] = json.loads(text_value or "{}")
        values: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value for key, value in data.items()
        }
        return cls(**values)


@dataclass(frozen=True)
class Preview:
    """What launching would do (or did): how many cases are selected, planned, and skipped for each reason."""

    selected: int = 0
    planned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    # Planned cases the per-case caps hold back right now (attempts in other campaigns): called later, not skipped.
    delayed_by_frequency_cap: int = 0


_ACTIVE, _SKIPPED = CampaignCaseState.ACTIVE.value, CampaignCaseState.SKIPPED.value

_windows_metadata = MetaData()
LAUNCH_WINDOWS = Table(
    "launch_windows",
    _windows_metadata,
    Column("zones", Text, nullable=False),
    Column("state", String(2), nullable=False),
    Column("opens_at", UTCDateTime),
    Column("reason", String(32)),
    prefixes=["TEMPORARY"],
)


def _selected_cases_sql(selection: CaseSelection) -> tuple[str, dict[str, object]]:
    """FROM/WHERE of the selected cases with their primary phone (if any)."""
    where: list[str] = ["true"]
    params: dict[str, object] = {}
    for column, values, name in (
        ("t.taxpayer_type", selection.taxpayer_types, "types"),
        ("c.notice_stage", selection.notice_stages, "stages"),
        ("t.state", selection.states, "states"),
        ("c.case_number", selection.case_numbers, "numbers"),
    ):
        if values:
            where.append(f"{column} IN :{name}")
            params[name] = list(values)
    if selection.balance_min_cents is not None:
        where.append("c.balance_cents >= :balance_min")
        params["balance_min"] = selection.balance_min_cents
    if selection.balance_max_cents is not None:
        where.append("c.balance_cents <= :balance_max")
        params["balance_max"] = selection.balance_max_cents
    sql = (
        "FROM cases c JOIN taxpayers t ON t.id = c.taxpayer_id "
        "LEFT JOIN phone_numbers p ON p.taxpayer_id = t.id AND p.is_primary "
        "LEFT JOIN launch_windows w ON w.zones = COALESCE(p.zones, '') AND w.state = t.state "
        f"WHERE {' AND '.join(where)}"
    )
    return sql, params


# The reasons, in contact_policy.ineligibility's order.
_REASON_SQL = f"""
    CASE
      WHEN EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id AND h.released_at IS NULL)
        THEN '{SkipReason.HOLD.value}'
      WHEN c.poa_on_file THEN '{SkipReason.REPRESENTATIVE_ON_FILE.value}'
      WHEN c.balance_cents <= 0 THEN '{SkipReason.NO_BALANCE.value}'
      WHEN c.notice_stage NOT IN :eligible_stages THEN '{SkipReason.NOTICE_STAGE.value}'
      WHEN c.last_notice_on > :notice_cutoff THEN '{SkipReason.NOTICE_TOO_RECENT.value}'
      WHEN p.id IS NULL OR p.status <> '{PhoneStatus.ACTIVE.value}' THEN '{SkipReason.NO_CALLABLE_NUMBER.value}'
      WHEN w.opens_at IS NULL THEN w.reason
    END
"""


# 1 when the case's automated attempts (any campaign) already reach a cap at :now: the negation of
# contact_policy.within_caps (rolling windows (now - 1 day, now] and (now - 7 days, now]).
_CAPPED_SQL = """
    CASE WHEN (SELECT COUNT(*) FROM call_attempts a WHERE a.case_id = c.id AND a.dialing_at > :day_ago
               AND a.dialing_at <= :now) >= :daily_cap
           OR (SELECT COUNT(*) FROM call_attempts a WHERE a.case_id = c.id AND a.dialing_at > :week_ago
               AND a.dialing_at <= :now) >= :weekly_cap
         THEN 1 ELSE 0 END
"""


def _policy_params(policy: ContactPolicy, now: dt.datetime) -> dict[str, object]:
    return {
        "eligible_stages": [stage.value for stage in NoticeStage if stage.at_least(policy.min_notice_stage)],
        "notice_cutoff": now.date() - dt.timedelta(days=policy.min_days_since_notice),
    }


def _load_windows(session: Session, selection: CaseSelection, policy: ContactPolicy, now: dt.datetime) -> None:
    """Fill the temporary launch_windows table: the next calling window of each (zones, state) pair."""
    LAUNCH_WINDOWS.drop(session.connection(), checkfirst=True)
    LAUNCH_WINDOWS.create(session.connection())
    base, params = _selected_cases_sql(selection)
    base = base.replace("LEFT JOIN launch_windows w ON w.zones = COALESCE(p.zones, '') AND w.state = t.state ", "")
    pairs = session.execute(
        text(f"SELECT DISTINCT COALESCE(p.zones, ''), t.state {base}").bindparams(
            *[bindparam(name, expanding=True) for name, value in params.items() if isinstance(value, list)]
        ),
        params,
    ).all()
    rows = []
    for zones_text, state in pairs:
        zones = possible_time_zones(decode_zones(zones_text), state)
        opens_at = policy.window.next_opening(now, zones) if zones else None
        reason = None if opens_at else (SkipReason.NO_COMMON_WINDOW if zones else SkipReason.TIMEZONE_UNKNOWN).value
        rows.append({"zones": zones_text, "state": state, "opens_at": opens_at, "reason": reason})
    if rows:
        session.execute(insert(LAUNCH_WINDOWS), rows)
    # A fresh temporary table has no statistics: without them PostgreSQL picks a nested loop over
    # launch_windows for every case, which makes a million-case launch several times slower.
    dialect.refresh_statistics(session, LAUNCH_WINDOWS.name)


def _cap_params(policy: ContactPolicy, now: dt.datetime) -> dict[str, object]:
    return {
        "now": now,
        "day_ago": now - DAY,
        "week_ago": now - WEEK,
        "daily_cap": policy.daily_cap,
        "weekly_cap": policy.weekly_cap,
    }


def _bound(sql: str, params: dict[str, object]) -> TextClause:
    """A text statement with list parameters expanded and time parameters typed for both backends."""
    binds: list[BindParameter[Any]] = [
        bindparam(name, expanding=True) for name, value in params.items() if isinstance(value, list)
    ]
    binds += [
        bindparam(name, type_=UTCDateTime)
        for name, value in params.items()
        if isinstance(value, dt.datetime) and f":{name}" in sql
    ]
    if ":notice_cutoff" in sql:
        binds.append(bindparam("notice_cutoff", type_=Date))
    return text(sql).bindparams(*binds)


def preview(session: Session, selection: CaseSelection, policy: ContactPolicy, now: dt.datetime) -> Preview:
    """Count what launching would select, plan and skip (by reason), without writing anything durable (the
    temporary table it fills is dropped again)."""
    _load_windows(session, selection, policy, now)
    base, params = _selected_cases_sql(selection)
    params.update(_policy_params(policy, now))
    params.update(_cap_params(policy, now))
    rows = session.execute(
        _bound(
            f"SELECT reason, capped, COUNT(*) FROM (SELECT {_REASON_SQL} AS reason, {_CAPPED_SQL} AS capped "
            f"{base}) s GROUP BY reason, capped",
            params,
        ),
        params,
    ).all()
    LAUNCH_WINDOWS.drop(session.connection(), checkfirst=True)
    selected = planned = delayed = 0
    skipped: dict[str, int] = {}
    for reason, capped, count in rows:
        selected += count
        if reason is None:
            planned += count
            delayed += count if capped else 0
        else:
            skipped[reason] = skipped.get(reason, 0) + count
    return Preview(selected=selected, planned=planned, skipped=skipped, delayed_by_frequency_cap=delayed)


def launch(session: Session, campaign_id: int, policy: ContactPolicy, now: dt.datetime) -> Preview:
    """Write every campaign case (with its skip reason) and every first attempt, and start the campaign."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(f"campaign {campaign.name!r} is {campaign.status}; only a draft can be launched")
    selection = CaseSelection.from_json(campaign.selection)
    _load_windows(session, selection, policy, now)
    base, params = _selected_cases_sql(selection)
    params.update(_policy_params(policy, now), campaign=campaign_id, now=now)
    session.execute(
        _bound(
            "INSERT INTO campaign_cases (campaign_id, case_id, state, skip_reason, attempts_made) "
            f"SELECT :campaign, id, CASE WHEN reason IS NULL THEN '{_ACTIVE}' ELSE '{_SKIPPED}' END, reason, 0 "
            f"FROM (SELECT c.id AS id, {_REASON_SQL} AS reason {base}) s",
            params,
        ),
        params,
    )
    session.execute(
        _bound(
            "INSERT INTO call_attempts (campaign_id, attempt_number, case_id, phone_number_id, to_e164, "
            "human_script_id, voicemail_script_id, state, due_at, created_at) "
            "SELECT :campaign, 1, c.id, p.id, p.e164, cp.human_script_id, cp.voicemail_script_id, "
            f"'{AttemptState.PLANNED.value}', "
            "w.opens_at, :now "
            "FROM campaign_cases cc JOIN cases c ON c.id = cc.case_id JOIN taxpayers t ON t.id = c.taxpayer_id "
            "JOIN phone_numbers p ON p.taxpayer_id = t.id AND p.is_primary "
            "JOIN launch_windows w ON w.zones = p.zones AND w.state = t.state "
            "JOIN campaigns cp ON cp.id = cc.campaign_id "
            f"WHERE cc.campaign_id = :campaign AND cc.state = '{_ACTIVE}'",
            {"campaign": campaign_id, "now": now},
        ),
        {"campaign": campaign_id, "now": now},
    )
    counts = session.execute(
        text(
            f"SELECT COUNT(*), SUM(CASE WHEN state = '{_ACTIVE}' THEN 1 ELSE 0 END) FROM campaign_cases "
            "WHERE campaign_id = :campaign"
        ),
        {"campaign": campaign_id},
    ).one()
    selected, planned = int(counts[0] or 0), int(counts[1] or 0)
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(
            status=CampaignStatus.RUNNING,
            launched_at=now,
            cases_selected=selected,
            cases_planned=planned,
            cases_skipped=selected - planned,
        )
    )
    LAUNCH_WINDOWS.drop(session.connection(), checkfirst=True)
    skipped = {
        str(reason): int(count)
        for reason, count in session.execute(
            text(
                "SELECT skip_reason, COUNT(*) FROM campaign_cases "
                f"WHERE campaign_id = :campaign AND state = '{_SKIPPED}' GROUP BY skip_reason"
            ),
            {"campaign": campaign_id},
        ).all()
    }
    session.flush()
    return Preview(selected=selected, planned=planned, skipped=skipped)
