"""The call lists' read side: counts per list, entries in work order, claims, and what each actor sees."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.domain.access import Actor, Role
from contact_service.domain.errors import Forbidden, NotFound
from contact_service.domain.states import EntryStatus
from contact_service.read import call_lists as read_call_lists
from contact_service.read.pages import PageRequest
from contact_service.use_cases import call_lists as list_actions
from tests.call_list_support import make_representative, sweep, unit_of_work
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case

NOW = DEFAULT_NOW
CLAIM = dt.timedelta(minutes=30)
SAM = Actor("sam", Role.SUPERVISOR)
RITA = Actor("rita", Role.REPRESENTATIVE)
_serial = itertools.count(1)


def listed(engine: Engine, balances: list[int], taxpayer_type: str = "individual") -> list[int]:
    """Cases with these balances swept onto their list at NOW; their ids."""
    with Session(engine) as session:
        campaign = make_campaign(session, f"ended {next(_serial)}", launched_at=NOW - dt.timedelta(days=20))
        ids = []
        for balance in balances:
            serial = next(_serial)
            case = make_case(
                session,
                case_number=f"RD-{serial}",
                phone=f"(212) 555-{serial % 9000 + 1000:04d}",
                balance_cents=balance,
                taxpayer_type=taxpayer_type,
            )
            end_in_campaign(session, campaign, case, "exhausted", closed_at=NOW - dt.timedelta(days=12))
            ids.append(case.id)
        session.commit()
    sweep(engine, NOW)
    return ids


def take(engine: Engine, actor: Actor, now: dt.datetime = NOW) -> int:
    taken = list_actions.take_next_case(unit_of_work(engine, now), actor, "individual", claim_limit=CLAIM)
    assert taken.entry is not None
    return taken.entry.id


def test_counts_per_list_for_the_dashboards(engine: Engine) -> None:
    listed(engine, [100_00, 200_00, 300_00])
    listed(engine, [50_00], taxpayer_type="business")
    take(engine, SAM)
    later = NOW + CLAIM + dt.timedelta(minutes=1)
    with Session(engine) as session:
        by_segment = {s.segment: s for s in read_call_lists.summaries(session, SAM, later)}
    individual = by_segment["individual"].counts
    assert (individual.open, individual.claimed, individual.callbacks_due, individual.claims_expired) == (2, 1, 0, 1)
    assert individual.oldest_waiting_since == NOW
    assert by_segment["business"].counts.open == 1
    assert by_segment["estate"].counts == read_call_lists.ListCounts()


def test_entries_come_in_work_order_a_page_at_a_time_and_by_status(engine: Engine) -> None:
    small, big, middle = listed(engine, [100_00, 900_00, 500_00])
    claimed = take(engine, SAM)
    with Session(engine) as session:
        page = read_call_lists.entries(session, SAM, "individual", NOW, page=PageRequest(limit=1, offset=1))
        assert (page.total, [row.case_id for row in page.items]) == (3, [middle])
        assert [row.case_id for row in read_call_lists.entries(session, SAM, "individual", NOW).items] == [
            big,
            middle,
            small,
        ]
        only_claimed = read_call_lists.entries(session, SAM, "individual", NOW, EntryStatus.CLAIMED)
        assert [(row.id, row.claimed_by) for row in only_claimed.items] == [(claimed, "sam")]
        assert read_call_lists.entry(session, claimed).call_list == "individual"
        assert [row.id for row in read_call_lists.entries_of_case(session, big)] == [claimed]
        with pytest.raises(NotFound):
            read_call_lists.entry(session, 10**9)


def test_claims_say_who_holds_what_since_when_and_which_ran_out(engine: Engine) -> None:
    listed(engine, [100_00, 200_00])
    first = take(engine, SAM)
    second = take(engine, Actor("ray", Role.SUPERVISOR), NOW + dt.timedelta(minutes=20))
    with Session(engine) as session:
        page = read_call_lists.claims(session, SAM, NOW + dt.timedelta(minutes=40))
    assert page.total == 2
    assert [(c.entry_id, c.claimed_by, c.claimed_at, c.expired) for c in page.items] == [
        (first, "sam", NOW, True),
        (second, "ray", NOW + dt.timedelta(minutes=20), False),
    ]


def test_a_representative_reads_only_the_lists_assigned_to_her(engine: Engine) -> None:
    listed(engine, [100_00])
    make_representative(engine, "rita")
    list_actions.assign_list(unit_of_work(engine, NOW), SAM, "business", "rita")
    with Session(engine) as session:
        assert [s.segment for s in read_call_lists.summaries(session, RITA, NOW)] == ["business"]
        assert read_call_lists.claims(session, RITA, NOW).total == 0
        for read in (
            lambda: read_call_lists.summary(session, RITA, "individual", NOW),
            lambda: read_call_lists.entries(session, RITA, "individual", NOW),
            lambda: read_call_lists.claims(session, RITA, NOW, "individual"),
        ):
            with pytest.raises(Forbidden):
                read()
        with pytest.raises(NotFound):
            read_call_lists.summary(session, SAM, "nonesuch", NOW)
