"""Personas: deterministic per (seed, number, k), configurable per number, Twilio magic numbers fixed."""

from collections import Counter

from contact_service.simulator.personas import DEFAULT_MIX, PERSONAS, PersonaPicker, persona_for

NUMBERS = [f"+1202555{n:04d}" for n in range(300)]


def test_the_same_seed_gives_the_same_personas() -> None:
    first = [persona_for(7, DEFAULT_MIX, {}, number, 1).name for number in NUMBERS]
    again = [persona_for(7, DEFAULT_MIX, {}, number, 1).name for number in NUMBERS]
    other_seed = [persona_for(8, DEFAULT_MIX, {}, number, 1).name for number in NUMBERS]
    assert first == again
    assert first != other_seed


def test_redialing_a_number_can_meet_another_persona() -> None:
    by_attempt = {number: {persona_for(1, DEFAULT_MIX, {}, number, k).name for k in range(1, 6)} for number in NUMBERS}
    assert sum(len(names) > 1 for names in by_attempt.values()) > len(NUMBERS) / 2


def test_the_mix_is_followed_roughly() -> None:
    counts = Counter(persona_for(3, DEFAULT_MIX, {}, f"+1303555{n:04d}", 1).name for n in range(5000))
    total = sum(DEFAULT_MIX.values())
    for name, weight in DEFAULT_MIX.items():
        assert abs(counts[name] / 5000 - weight / total) < 0.03, name
    assert set(counts) <= set(DEFAULT_MIX)


def test_a_mix_with_one_persona_always_gives_it() -> None:
    assert {persona_for(0, {"busy": 1}, {}, number, 1).name for number in NUMBERS} == {"busy"}


def test_fixed_numbers_get_their_persona_or_their_sequence() -> None:
    fixed = {"+12025550101": ("machine",), "+12025550102": ("busy", "no-answer", "human-press-2")}
    picker = PersonaPicker(0, DEFAULT_MIX, fixed)
    assert [picker.pick("+12025550101")[0].name for _ in range(3)] == ["machine"] * 3
    sequence = [picker.pick("+12025550102") for _ in range(5)]
    assert [(persona.name, k) for persona, k in sequence] == [
        ("busy", 1),
        ("no-answer", 2),
        ("human-press-2", 3),
        ("human-press-2", 4),  # the last entry repeats
        ("human-press-2", 5),
    ]


def test_the_picker_follows_the_pure_function_and_counts_per_number() -> None:
    picker = PersonaPicker(5, DEFAULT_MIX, {})
    picked = [picker.pick(number) for number in NUMBERS[:20] * 2]
    expected = [(persona_for(5, DEFAULT_MIX, {}, number, k), k) for k in (1, 2) for number in NUMBERS[:20]]
    assert picked == expected
    picker.reset()
    assert picker.pick(NUMBERS[0])[1] == 1


def test_magic_numbers_win_over_configuration() -> None:
    fixed = {"+15005550001": ("human",), "+15005550006": ("busy",)}
    assert persona_for(0, {"busy": 1}, fixed, "+15005550001", 1).name == "invalid"
    assert persona_for(0, {"busy": 1}, fixed, "+15005550002", 4).name == "unreachable"
    assert persona_for(0, {"busy": 1}, fixed, "+15005550006", 1).name == "human"


def test_rest_error_personas_carry_twilios_codes() -> None:
    assert PERSONAS["invalid"].error == (21211, "Invalid 'To' Phone Number")
    assert PERSONAS["unreachable"].error[0] == 21214
    assert PERSONAS["disconnected"].sip_code == 404
    assert PERSONAS["carrier-failure"].sip_code == 503
