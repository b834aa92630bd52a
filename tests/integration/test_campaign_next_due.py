"""`GET /api/v1/campaigns/{id}` says when the planned attempts are due and why those not due yet wait: the
calling window closed (weekend, federal holiday, outside calling hours, in any of the taxpayer's zones), the
per-case caps across campaigns, a retry delay, or a deferral."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from tests.factories import make_case, primary_phone

API = "/api/v1"
TUESDAY_AFTERNOON = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)  # 14:00 in New York, 11:00 in California


def launch(api_client, api_container: Container, token_for, moment: dt.datetime, name: str = "spring") -> int:  # type: ignore[no-untyped-def]
    """Create and launch a campaign over every case at `moment`; its id."""
    api_container.clock = FixedClock(moment)
    operator = token_for("operator")
    created = api_client.post(f"{API}/campaigns", json={"name": name}, headers=operator)
    assert created.status_code == 201, created.json
    campaign_id = created.json["id"]
    assert api_client.post(f"{API}/campaigns/{campaign_id}/launch", headers=operator).status_code == 200
    return int(campaign_id)


def next_due(api_client, token_for, campaign_id: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    reply = api_client.get(f"{API}/campaigns/{campaign_id}", headers=token_for("viewer"))
    assert reply.status_code == 200, reply.json
    return reply.json["next_due"]  # type: ignore[no-any-return]


def cases_in_new_york(engine: Engine, count: int = 3) -> None:
    with Session(engine) as session:
        for serial in range(count):
            make_case(session, phone=f"(212) 555-{3100 + serial}", state="NY")
        session.commit()


@pytest.mark.parametrize(
    ("moment", "reason", "first_due"),
    [
        # Saturday noon in New York: Monday 8:00 is the next opening.
        (dt.datetime(2026, 12, 5, 17, 0, tzinfo=dt.UTC), "weekend", "2026-12-07T13:00:00Z"),
        # Thanksgiving (a Thursday): Friday 8:00.
        (dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC), "federal_holiday", "2026-11-27T13:00:00Z"),
        # Tuesday 6:00 in New York: 8:00 the same day.
        (dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC), "outside_calling_hours", "2026-12-01T13:00:00Z"),
    ],
)
def test_a_closed_calling_window_is_the_reason_the_planned_calls_wait(  # type: ignore[no-untyped-def]
    api_client, api_container, token_for, pg_engine, moment, reason, first_due
) -> None:
    cases_in_new_york(pg_engine)
    due = next_due(api_client, token_for, launch(api_client, api_container, token_for, moment))
    assert due == {
        "planned": 3,
        "due_now": 0,
        "next_due_at": first_due,
        "waiting": {reason: {"count": 3, "next_due_at": first_due}},
    }


def test_the_strictest_zone_decides_a_new_york_number_in_california_waits_for_california(  # type: ignore[no-untyped-def]
    api_client, api_container, token_for, pg_engine
) -> None:
    with Session(pg_engine) as session:
        make_case(session, phone="(212) 555-3100", state="CA")  # open in New York at 12:00 UTC, not in California
        session.commit()
    moment = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)  # 9:00 in New York, 6:00 in Los Angeles
    due = next_due(api_client, token_for, launch(api_client, api_container, token_for, moment))
    assert due["waiting"] == {"outside_calling_hours": {"count": 1, "next_due_at": "2026-12-01T16:00:00Z"}}


def test_calls_due_now_wait_for_nothing_but_the_budget(api_client, api_container, token_for, pg_engine) -> None:  # type: ignore[no-untyped-def]
    cases_in_new_york(pg_engine)
    due = next_due(api_client, token_for, launch(api_client, api_container, token_for, TUESDAY_AFTERNOON))
    assert due == {"planned": 3, "due_now": 3, "next_due_at": "2026-12-01T19:00:00Z", "waiting": {}}


def test_the_caps_a_retry_delay_and_a_deferral_are_told_apart(  # type: ignore[no-untyped-def]
    api_client, api_container, token_for, pg_engine
) -> None:
    """Inside the window, a planned call that is not due yet waits because the case was called recently (in
    any campaign), because its campaign waits after an unanswered call, or because the dialer put it back."""
    now = TUESDAY_AFTERNOON
    with Session(pg_engine) as session:
        capped = make_case(session, phone="(212) 555-3100")
        retried = make_case(session, phone="(212) 555-3101")
        deferred = make_case(session, phone="(212) 555-3102")
        # An automated call two hours ago, in another campaign: the daily cap holds the case until tomorrow.
        session.add(
            CallAttempt(
                case_id=capped.id,
                phone_number_id=primary_phone(session, capped).id,
                to_e164=primary_phone(session, capped).e164,
                state="ended",
                dialing_at=now - dt.timedelta(hours=2),
                created_at=now - dt.timedelta(hours=2),
            )
        )
        session.commit()
        ids = {case.id: name for case, name in ((capped, "capped"), (retried, "retried"), (deferred, "deferred"))}
    campaign_id = launch(api_client, api_container, token_for, now)
    later = {"capped": now + dt.timedelta(hours=22), "retried": now + dt.timedelta(hours=4)}
    later["deferred"] = now + dt.timedelta(minutes=10)
    with Session(pg_engine) as session:
        for attempt in session.scalars(select(CallAttempt).where(CallAttempt.campaign_id == campaign_id)):
            name = ids[attempt.case_id]
            # What the dial job (a deferral: the cap, or the provider's "retry later") and the follow-up
            # planner (a second attempt after no answer, two days after the first) write.
            values: dict[str, object] = {"due_at": later[name]}
            if name == "retried":
                values["attempt_number"] = 2
            session.execute(update(CallAttempt).where(CallAttempt.id == attempt.id).values(**values))
        session.commit()
    due = next_due(api_client, token_for, campaign_id)
    assert due["planned"] == 3 and due["due_now"] == 0
    assert due["next_due_at"] == "2026-12-01T19:10:00Z"
    assert due["waiting"] == {
        "frequency_cap": {"count": 1, "next_due_at": "2026-12-02T17:00:00Z"},
        "retry_delay": {"count": 1, "next_due_at": "2026-12-01T23:00:00Z"},
        "deferred": {"count": 1, "next_due_at": "2026-12-01T19:10:00Z"},
    }


def test_a_campaign_with_nothing_planned_has_nothing_due(api_client, api_container, token_for, pg_engine) -> None:  # type: ignore[no-untyped-def]
    campaign_id = launch(api_client, api_container, token_for, TUESDAY_AFTERNOON)
    assert next_due(api_client, token_for, campaign_id) == {
        "planned": 0,
        "due_now": 0,
        "next_due_at": None,
        "waiting": {},
    }
