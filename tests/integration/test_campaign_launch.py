"""Preview and launch, set-based, on SQLite and PostgreSQL; the SQL's skip reasons are the domain's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case, PhoneNumber
from contact_service.config import load_settings
from contact_service.domain.cases import NoticeStage
from contact_service.domain.contact_policy import (
    DAY,
    WEEK,
    CaseFacts,
    ContactPolicy,
    SkipReason,
    ineligibility,
    within_caps,
)
from contact_service.domain.errors import Conflict
from contact_service.domain.phone import parse_phone, possible_time_zones
from contact_service.domain.states import AttemptState
from contact_service.services import campaign_launch, campaigns
from contact_service.services.campaign_launch import _CAPPED_SQL, CaseSelection, _bound, _cap_params
from contact_service.services.campaigns import CampaignSpec
from tests.factories import make_case

POLICY = ContactPolicy()
SETTINGS = load_settings(environ={})
NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # Tuesday: noon in New York, 7:00 in Guam (Wednesday)
_serial = itertools.count(1)


def new_campaign(session: Session, selection: CaseSelection | None = None) -> int:
    spec = CampaignSpec(name=f"c{next(_serial)}", selection=selection or CaseSelection())
    return campaigns.create_campaign(session, spec, "test", SETTINGS, NOW).id


def test_preview_counts_what_launch_then_writes(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, case_number="L-ok", phone="(212) 555-0101", state="NY")
        make_case(session, case_number="L-hold", phone="(212) 555-0102", hold="bankruptcy")
        make_case(session, case_number="L-poa", phone="(212) 555-0103", poa_on_file=True)
        make_case(session, case_number="L-early", phone="(212) 555-0104", notice_stage="CP503")
        make_case(session, case_number="L-recent", phone="(212) 555-0105", last_notice_on=dt.date(2026, 11, 20))
        make_case(session, case_number="L-tollfree", phone="1-888-555-0106")
        make_case(session, case_number="L-paid", phone="(212) 555-0107", balance_cents=0)
        session.commit()
        campaign_id = new_campaign(session)
        preview = campaign_launch.preview(session, CaseSelection(), POLICY, NOW)
        launched = campaign_launch.launch(session, campaign_id, POLICY, NOW)
        session.commit()
    expected = {
        "hold": 1,
        "representative_on_file": 1,
        "notice_stage": 1,
        "notice_too_recent": 1,
        "timezone_unknown": 1,
        "no_balance": 1,
    }
    assert (preview.selected, preview.planned, preview.skipped) == (7, 1, expected)
    assert (launched.selected, launched.planned, launched.skipped) == (7, 1, expected)
    with Session(engine) as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert (attempt.state, attempt.attempt_number, attempt.due_at) == ("planned", 1, NOW)


def test_preview_counts_cases_the_caps_hold_back_because_another_campaign_called_them(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        called = make_case(session, case_number="F-called", phone="(212) 555-0111")
        make_case(session, case_number="F-fresh", phone="(212) 555-0112")
        session.commit()
        phone_id = session.scalars(select(PhoneNumber.id).where(PhoneNumber.taxpayer_id == called.taxpayer_id)).one()
        session.add(
            CallAttempt(
                case_id=called.id,
                phone_number_id=phone_id,
                to_e164="+12125550111",
                state="ended",
                dialing_at=NOW - dt.timedelta(hours=3),
                created_at=NOW - dt.timedelta(hours=3),
            )
        )
        session.commit()
        preview = campaign_launch.preview(session, CaseSelection(), POLICY, NOW)
        a_day_later = campaign_launch.preview(session, CaseSelection(), POLICY, NOW + dt.timedelta(hours=22))
    assert (preview.planned, preview.delayed_by_frequency_cap, preview.skipped) == (2, 1, {})
    assert a_day_later.delayed_by_frequency_cap == 0


def test_first_attempts_are_due_when_every_zone_opens(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, case_number="Z-ny", phone="(212) 555-0201", state="NY")
        make_case(session, case_number="Z-tx", phone="(214) 555-0202", state="TX")  # Central + Mountain
        make_case(session, case_number="Z-hi", phone="(808) 555-0203", state="HI")
        make_case(session, case_number="Z-ny-in-ca", phone="(212) 555-0204", state="CA")
        session.commit()
        campaign_id = new_campaign(session)
        campaign_launch.launch(session, campaign_id, POLICY, dt.datetime(2026, 12, 1, 12, 30, tzinfo=dt.UTC))
        due = dict(
            session.execute(
                select(Case.case_number, CallAttempt.due_at).join(CallAttempt, CallAttempt.case_id == Case.id)
            ).all()
        )
    assert due["Z-ny"] == dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)  # 8:00 Eastern
    assert due["Z-tx"] == dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # 8:00 Mountain (El Paso)
    assert due["Z-hi"] == dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)  # 8:00 Hawaii
    assert due["Z-ny-in-ca"] == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)  # 8:00 Pacific


def test_a_selection_narrows_the_campaign(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        make_case(session, case_number="S-1", phone="(212) 555-0301", balance_cents=50_000, taxpayer_type="business")
        make_case(session, case_number="S-2", phone="(212) 555-0302", balance_cents=5_000_000)
        make_case(session, case_number="S-3", phone="(415) 555-0303", state="CA", notice_stage="LT11")
        session.commit()
        selection = CaseSelection(taxpayer_types=("individual",), balance_min_cents=100_000)
        assert campaign_launch.preview(session, selection, POLICY, NOW).selected == 2
        assert (
            campaign_launch.preview(
                session, CaseSelection(states=("CA",), notice_stages=("LT11",)), POLICY, NOW
            ).planned
            == 1
        )


def test_a_campaign_launches_once(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign_id = new_campaign(session)
        campaign_launch.launch(session, campaign_id, POLICY, NOW)
        with pytest.raises(Conflict, match="only a draft"):
            campaign_launch.launch(session, campaign_id, POLICY, NOW)


CASE_SHAPES = st.fixed_dictionaries(
    {
        "hold": st.sampled_from([None, None, None, "bankruptcy", "opt_out"]),
        "poa_on_file": st.booleans(),
        "balance_cents": st.sampled_from([0, 1, 451_233]),
        "notice_stage": st.sampled_from([stage.value for stage in NoticeStage]),
        "days_since_notice": st.integers(min_value=0, max_value=60),
        "phone": st.sampled_from(["(212) 555-{n}", "(808) 555-{n}", "1-888-555-{n}", "(671) 555-{n}"]),
        "bad_phone": st.booleans(),
        "state": st.sampled_from(["NY", "TX", "HI", "AK", "AE", "GU", "FL"]),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CASE_SHAPES, min_size=1, max_size=12))
def test_launch_skips_each_case_for_the_reason_the_domain_gives(pg_engine: Engine, shapes: list[dict]) -> None:  # type: ignore[type-arg]
    numbers = []
    expected = {}
    with Session(pg_engine, expire_on_commit=False) as session:
        for shape in shapes:
            serial = next(_serial)
            number = f"P-{serial}"
            phone = shape["phone"].format(n=f"{serial % 10000:04d}")
            case = make_case(
                session,
                case_number=number,
                phone=phone,
                state=shape["state"],
                hold=shape["hold"],
                poa_on_file=shape["poa_on_file"],
                balance_cents=shape["balance_cents"],
                notice_stage=shape["notice_stage"],
                last_notice_on=NOW.date() - dt.timedelta(days=shape["days_since_notice"]),
            )
            if shape["bad_phone"]:
                session.query(PhoneNumber).filter_by(taxpayer_id=case.taxpayer_id).update({"status": "bad"})
            zones = possible_time_zones(parse_phone(phone).zones, shape["state"])
            facts = CaseFacts(
                has_active_hold=shape["hold"] is not None,
                poa_on_file=shape["poa_on_file"],
                notice_stage=NoticeStage(shape["notice_stage"]),
                last_notice_on=NOW.date() - dt.timedelta(days=shape["days_since_notice"]),
                balance_cents=shape["balance_cents"],
                phone_callable=not shape["bad_phone"],
                zones=zones,
            )
            reason = ineligibility(facts, NOW.date(), POLICY)
            if reason is None and POLICY.window.next_opening(NOW, zones) is None:
                reason = SkipReason.NO_COMMON_WINDOW
            expected[number] = reason.value if reason else None
            numbers.append(number)
        session.commit()
        campaign_id = new_campaign(session, CaseSelection(case_numbers=tuple(numbers)))
        campaign_launch.launch(session, campaign_id, POLICY, NOW)
        actual = dict(
            session.execute(
                select(Case.case_number, CampaignCase.skip_reason)
                .join(CampaignCase, CampaignCase.case_id == Case.id)
                .where(CampaignCase.campaign_id == campaign_id)
            ).all()
        )
    assert actual == expected


# Seconds from NOW at which an earlier attempt was dialled (None: planned, never dialled), with the edges of
# both rolling windows drawn often: the SQL and the domain must agree exactly there too.
_DAY, _WEEK = int(DAY.total_seconds()), int(WEEK.total_seconds())
_EDGES = [0, 1, -1, 60, *(-edge + step for edge in (_DAY, _WEEK) for step in (-1, 0, 1))]
DIALLED_AT = st.one_of(st.none(), st.sampled_from(_EDGES), st.integers(min_value=-9 * _DAY, max_value=_DAY))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# The edges of each window, always tried: an attempt exactly a day (a week) ago no longer counts.
@example(histories=[[-_DAY], [-_DAY + 1], [0], [1], [None]], daily_cap=1, weekly_extra=3)
@example(histories=[[-_WEEK], [-_WEEK + 1], [-_WEEK - 1]], daily_cap=1, weekly_extra=0)
@example(histories=[[-_DAY - 1, -_DAY - 2, -_WEEK], [-_DAY - 1, -_DAY - 2, -_WEEK + 1]], daily_cap=2, weekly_extra=1)
@given(
    histories=st.lists(st.lists(DIALLED_AT, max_size=6), min_size=1, max_size=6),
    daily_cap=st.integers(min_value=1, max_value=3),
    weekly_extra=st.integers(min_value=0, max_value=3),
)
def test_the_cap_query_holds_back_exactly_the_cases_the_domain_caps(
    engine: Engine, histories: list[list[int | None]], daily_cap: int, weekly_extra: int
) -> None:
    policy = ContactPolicy(daily_cap=daily_cap, weekly_cap=daily_cap + weekly_extra)
    expected: dict[str, bool] = {}
    with Session(engine, expire_on_commit=False) as session:
        for history in histories:
            serial = next(_serial)
            case = make_case(session, case_number=f"CAP-{serial}", phone=f"(212) 555-{serial % 10000:04d}")
            phone = session.scalars(select(PhoneNumber).where(PhoneNumber.taxpayer_id == case.taxpayer_id)).one()
            dialled = [NOW + dt.timedelta(seconds=offset) for offset in history if offset is not None]
            for offset in history:
                when = None if offset is None else NOW + dt.timedelta(seconds=offset)
                session.add(
                    CallAttempt(
                        case_id=case.id,
                        phone_number_id=phone.id,
                        to_e164=phone.e164,
                        state=AttemptState.PLANNED if when is None else AttemptState.ENDED,
                        due_at=NOW if when is None else None,
                        dialing_at=when,
                        created_at=NOW - 2 * WEEK,
                    )
                )
            expected[case.case_number] = not within_caps(dialled, NOW, policy)
        session.commit()
        params = {**_cap_params(policy, NOW), "numbers": list(expected)}
        capped = session.execute(
            _bound(f"SELECT c.case_number, {_CAPPED_SQL} FROM cases c WHERE c.case_number IN :numbers", params),
            params,
        ).all()
        preview = campaign_launch.preview(session, CaseSelection(case_numbers=tuple(expected)), policy, NOW)
    assert {number: bool(flag) for number, flag in capped} == expected
    # Every one of these cases is eligible: preview plans them all and delays exactly the capped ones.
    assert (preview.planned, preview.delayed_by_frequency_cap) == (len(expected), sum(expected.values()))
