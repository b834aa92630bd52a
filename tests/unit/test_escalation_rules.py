"""The escalation rules, pure: which list, what order, what a disposition does, who may do what."""

from __future__ import annotations

import datetime as dt

import pytest

from contact_service.domain.access import SYSTEM, Actor, Permission, Role, allows
from contact_service.domain.call_work import EFFECTS, Disposition, Next
from contact_service.domain.cases import TaxpayerType
from contact_service.domain.escalation import (
    HIGH_DOLLAR_CENTS,
    EscalationReason,
    ListingFacts,
    PriorityFacts,
    ResponseKind,
    Segment,
    priority_key,
    segment_for,
)
from contact_service.domain.phone import normalize_caller

EXHAUSTED = EscalationReason.ATTEMPTS_EXHAUSTED


@pytest.mark.parametrize(
    "facts, segment",
    [
        (ListingFacts(TaxpayerType.INDIVIDUAL, 5_000_00, False, EXHAUSTED), Segment.INDIVIDUAL),
        (ListingFacts(TaxpayerType.BUSINESS, 5_000_00, False, EXHAUSTED), Segment.BUSINESS),
        (ListingFacts(TaxpayerType.ESTATE, 5_000_00, False, EXHAUSTED), Segment.ESTATE),
        (ListingFacts(TaxpayerType.BUSINESS, HIGH_DOLLAR_CENTS - 1, False, EXHAUSTED), Segment.BUSINESS),
        (ListingFacts(TaxpayerType.BUSINESS, HIGH_DOLLAR_CENTS, False, EXHAUSTED), Segment.HIGH_DOLLAR),
        (ListingFacts(TaxpayerType.ESTATE, HIGH_DOLLAR_CENTS * 9, True, EXHAUSTED), Segment.REPRESENTATIVE_ON_FILE),
        (
            ListingFacts(TaxpayerType.INDIVIDUAL, 1, False, EscalationReason.REPRESENTATIVE_ON_FILE),
            Segment.REPRESENTATIVE_ON_FILE,
        ),
        (
            ListingFacts(TaxpayerType.INDIVIDUAL, HIGH_DOLLAR_CENTS, False, EscalationReason.BAD_NUMBER),
            Segment.BAD_NUMBER,
        ),
        (ListingFacts(TaxpayerType.INDIVIDUAL, 1, False, EscalationReason.WRONG_NUMBER), Segment.BAD_NUMBER),
        (ListingFacts(TaxpayerType.INDIVIDUAL, 1, True, EscalationReason.BAD_NUMBER), Segment.REPRESENTATIVE_ON_FILE),
    ],
)
def test_segment_routing_and_its_precedence(facts: ListingFacts, segment: Segment) -> None:
    assert segment_for(facts) is segment


def test_priority_never_reached_then_balance_then_statute_then_time_since_contact() -> None:
    day = dt.date(2030, 1, 1)
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    facts = {
        "reached, biggest": PriorityFacts(True, 9_000_000, day, None),
        "big": PriorityFacts(False, 500_000, day, at),
        "small": PriorityFacts(False, 100, day, at),
        "big, statute sooner": PriorityFacts(False, 500_000, day - dt.timedelta(days=1), at),
        "big, contacted longer ago": PriorityFacts(False, 500_000, day, at - dt.timedelta(days=3)),
        "big, never contacted": PriorityFacts(False, 500_000, day, None),
    }
    assert sorted(facts, key=lambda name: priority_key(facts[name])) == [
        "big, statute sooner",
        "big, never contacted",
        "big, contacted longer ago",
        "big",
        "small",
        "reached, biggest",
    ]


def test_every_disposition_has_an_effect_and_reached_ones_are_responses() -> None:
    assert set(EFFECTS) == set(Disposition)
    closing = {d for d, e in EFFECTS.items() if e.next is Next.CLOSE}
    assert closing == {
        Disposition.PAYMENT_ARRANGED,
        Disposition.INSTALLMENT_AGREEMENT,
        Disposition.OFFER_REFERRAL,
        Disposition.DISPUTE,
        Disposition.REPRESENTATIVE_CONTACTED,
    }
    assert EFFECTS[Disposition.CALLBACK_SCHEDULED].response is ResponseKind.REACHED_BY_REPRESENTATIVE
    assert EFFECTS[Disposition.NOT_REACHED].response is None
    assert EFFECTS[Disposition.WRONG_NUMBER].next is Next.BAD_NUMBER_LIST


def test_roles_carry_their_permissions() -> None:
    assert allows(Role.VIEWER, Permission.READ) and not allows(Role.VIEWER, Permission.RECORD_RESPONSES)
    assert allows(Role.OPERATOR, Permission.RUN_CAMPAIGNS) and not allows(Role.OPERATOR, Permission.WORK_LISTS)
    assert allows(Role.REPRESENTATIVE, Permission.WORK_LISTS)
    assert not allows(Role.REPRESENTATIVE, Permission.RUN_CAMPAIGNS)
    assert not allows(Role.REPRESENTATIVE, Permission.MANAGE_LISTS)
    assert all(allows(Role.SUPERVISOR, p) for p in Permission)
    assert SYSTEM.can(Permission.MANAGE_LISTS) and not Actor("v", Role.VIEWER).can(Permission.WORK_LISTS)


@pytest.mark.parametrize(
    "written, e164",
    [
        ("(212) 555-0147", "+12125550147"),
        ("212.555.0147", "+12125550147"),
        ("+1 212 555 0147", "+12125550147"),
        ("tel:+1-212-555-0147", "+12125550147"),
        ("1-212-555-0147", "+12125550147"),
        ("+44 20 7946 0958", "+442079460958"),
        ("anonymous", None),
        ("", None),
        ("555-0147", None),
    ],
)
def test_caller_numbers_written_every_way_normalize_to_one_form(written: str, e164: str | None) -> None:
    assert normalize_caller(written) == e164
