"""Call outcomes from the provider's events: independent of arrival order, duplicates and late callbacks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contact_service.domain.call_outcome import CallFacts, Outcome, classify, furthest_status

INITIATED = CallFacts("status", call_status="initiated")
RINGING = CallFacts("status", call_status="ringing")
ANSWERED = CallFacts("status", call_status="in-progress")


def completed(answered_by: str | None = None) -> CallFacts:
    return CallFacts("status", call_status="completed", answered_by=answered_by, sip_code=200)


@pytest.mark.parametrize(
    ("events", "outcome"),
    [
        ([INITIATED, RINGING, ANSWERED, completed("human")], Outcome.REACHED),
        ([INITIATED, RINGING, ANSWERED, completed()], Outcome.REACHED),
        ([ANSWERED, completed("unknown"), CallFacts("gather", digits="2")], Outcome.REACHED),
        (
            [
                ANSWERED,
                CallFacts("amd", answered_by="machine_end_beep"),
                CallFacts("voice", detail="voicemail"),
                completed("machine_end_beep"),
            ],
            Outcome.VOICEMAIL_LEFT,
        ),
        (
            [ANSWERED, CallFacts("amd", answered_by="machine_end_beep"), completed("machine_end_beep")],
            Outcome.NO_ANSWER,
        ),
        ([INITIATED, RINGING, CallFacts("status", call_status="busy", sip_code=486)], Outcome.BUSY),
        ([INITIATED, RINGING, CallFacts("status", call_status="no-answer", sip_code=487)], Outcome.NO_ANSWER),
        ([INITIATED, CallFacts("status", call_status="canceled")], Outcome.CANCELED),
        ([INITIATED, CallFacts("status", call_status="failed", sip_code=503)], Outcome.FAILED),
    ],
)
def test_each_way_a_call_can_end(events: list[CallFacts], outcome: Outcome) -> None:
    classification = classify(events)
    assert classification is not None and classification.outcome is outcome


def test_a_call_without_its_final_status_is_not_settled() -> None:
    assert classify([INITIATED, RINGING, ANSWERED, CallFacts("amd", answered_by="human")]) is None


def test_a_disconnected_number_is_marked_bad_but_a_carrier_failure_is_not() -> None:
    disconnected = classify([INITIATED, CallFacts("status", call_status="failed", sip_code=404)])
    carrier = classify([INITIATED, CallFacts("status", call_status="failed", sip_code=503)])
    assert disconnected.bad_number and disconnected.sip_code == 404
    assert not carrier.bad_number


def test_a_fax_line_is_a_bad_number() -> None:
    classification = classify([ANSWERED, CallFacts("amd", answered_by="fax"), completed("fax")])
    assert classification.outcome is Outcome.FAILED and classification.bad_number


def test_a_definite_machine_verdict_beats_unknown() -> None:
    events = [
        ANSWERED,
        completed("unknown"),
        CallFacts("amd", answered_by="machine_end_silence"),
        CallFacts("voice", detail="voicemail"),
    ]
    assert classify(events).outcome is Outcome.VOICEMAIL_LEFT


def test_status_never_moves_backwards_and_the_first_final_status_stays() -> None:
    assert furthest_status("completed", "ringing") == "completed"
    assert furthest_status("ringing", "initiated") == "ringing"
    assert furthest_status("in-progress", "completed") == "completed"
    assert furthest_status("busy", "completed") == "busy"
    assert furthest_status(None, "queued") == "queued"
    assert furthest_status("ringing", None) == "ringing"


CALL_STORIES = [
    [
        INITIATED,
        RINGING,
        ANSWERED,
        CallFacts("amd", answered_by="human"),
        CallFacts("gather", digits="1"),
        completed("human"),
    ],
    [
        INITIATED,
        RINGING,
        ANSWERED,
        CallFacts("amd", answered_by="machine_end_beep"),
        CallFacts("voice", detail="voicemail"),
        completed("machine_end_beep"),
    ],
    [INITIATED, RINGING, CallFacts("status", call_status="no-answer", sip_code=487)],
    [INITIATED, CallFacts("status", call_status="failed", sip_code=404)],
]


@given(
    st.sampled_from(CALL_STORIES).flatmap(
        lambda story: st.tuples(st.just(story), st.permutations(story), st.lists(st.sampled_from(story), max_size=6))
    )
)
def test_outcome_is_the_same_in_any_order_with_any_duplicates(case) -> None:  # type: ignore[no-untyped-def]
    story, shuffled, duplicates = case
    assert classify(list(shuffled) + duplicates) == classify(story)
