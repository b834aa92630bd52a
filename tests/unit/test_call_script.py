"""What a call says: shipped scripts pass the guard, and no addressee name can smuggle in a number or a brace."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contact_service.domain.call_script import (
    CONNECTING_TEXT,
    DEFAULT_HUMAN_TEMPLATE,
    DEFAULT_VOICEMAIL_TEMPLATE,
    FALLBACK_HUMAN_TEXT,
    FALLBACK_VOICEMAIL_TEXT,
    GOODBYE_TEXT,
    MENU_PROMPT,
    NAME_PLACEHOLDER,
    render,
    speakable_name,
)
from contact_service.domain.official_line import OFFICIAL_NUMBER_DISPLAY, OFFICIAL_NUMBER_E164
from contact_service.domain.script_guard import ScriptKind, check_rendered, check_template, spoken_numbers

HUMAN, VOICEMAIL = ScriptKind.HUMAN, ScriptKind.VOICEMAIL


def rules(text: str, kind: ScriptKind = HUMAN) -> set[str]:
    return {v.rule for v in check_rendered(text, kind)}


# --- the shipped scripts ---------------------------------------------------------------------------------------


def test_the_default_templates_pass_the_guard() -> None:
    assert check_template(DEFAULT_HUMAN_TEMPLATE, HUMAN) == []
    assert check_template(DEFAULT_VOICEMAIL_TEMPLATE, VOICEMAIL) == []


def test_the_default_human_script_identifies_the_irs_names_the_person_and_repeats_the_number() -> None:
    assert "the Internal Revenue Service, the IRS" in DEFAULT_HUMAN_TEMPLATE
    assert NAME_PLACEHOLDER in DEFAULT_HUMAN_TEMPLATE
    assert DEFAULT_HUMAN_TEMPLATE.count(OFFICIAL_NUMBER_DISPLAY) == 2
    assert "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency" in DEFAULT_HUMAN_TEMPLATE
    assert set(spoken_numbers(DEFAULT_HUMAN_TEMPLATE)) == {OFFICIAL_NUMBER_E164}


def test_the_default_voicemail_says_who_it_is_for_who_calls_and_the_number_only() -> None:
    assert NAME_PLACEHOLDER in DEFAULT_VOICEMAIL_TEMPLATE and "IRS" in DEFAULT_VOICEMAIL_TEMPLATE
    assert OFFICIAL_NUMBER_DISPLAY in DEFAULT_VOICEMAIL_TEMPLATE and "thank you" in DEFAULT_VOICEMAIL_TEMPLATE.lower()
    assert "never" not in DEFAULT_VOICEMAIL_TEMPLATE.lower()
    assert len(DEFAULT_VOICEMAIL_TEMPLATE.split()) <= 60


@pytest.mark.parametrize(("text", "kind"), [(FALLBACK_HUMAN_TEXT, HUMAN), (FALLBACK_VOICEMAIL_TEXT, VOICEMAIL)])
def test_the_fallbacks_pass_the_guard_and_carry_no_name(text: str, kind: ScriptKind) -> None:
    assert check_rendered(text, kind) == []
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize("phrase", [MENU_PROMPT, CONNECTING_TEXT, GOODBYE_TEXT])
def test_system_phrases_speak_no_number_but_the_official_one(phrase: str) -> None:
    assert set(spoken_numbers(phrase)) <= {OFFICIAL_NUMBER_E164}
    assert not {"other_number", "digits", "amount", "deadline", "url", "placeholder"} & rules(phrase)


def test_the_menu_and_the_connecting_phrase_give_the_official_number() -> None:
    assert MENU_PROMPT == (
        "To hear this message again, press 1. To be connected to the IRS at 1-800-829-1040 now, press 2."
    )
    assert spoken_numbers(CONNECTING_TEXT) == [OFFICIAL_NUMBER_E164]


def test_the_whole_human_call_passes_the_guard() -> None:
    spoken = render(DEFAULT_HUMAN_TEMPLATE, "Maria Lopez")
    assert check_rendered(f"{spoken} {MENU_PROMPT}", HUMAN) == []
    assert check_rendered(f"{spoken} {MENU_PROMPT} {CONNECTING_TEXT} {GOODBYE_TEXT}", HUMAN) == []


# --- render and speakable_name ------------------------------------------------------------------------------------


def test_render_substitutes_the_name_and_nothing_else() -> None:
    assert render("Hello {name}, {name}.", "Ana") == "Hello Ana, Ana."
    assert render("Hello {0} {amount} {name.__class__}", "Ana") == "Hello {0} {amount} {name.__class__}"
    assert render("Hello {name}.", "{name} {0}") == "Hello {name} {0}."


@pytest.mark.parametrize(
    ("raw", "speakable"),
    [
        ("  Maria \n\t Lopez ", "Maria Lopez"),
        ("O\u2019Brien & Sons, Inc.", "O'Brien & Sons, Inc."),
        ("Jos\u00e9 N\u00fa\u00f1ez-Garc\u00eda", "Jos\u00e9 N\u00fa\u00f1ez-Garc\u00eda"),
        ("1-800-FLOWERS Inc", "--FLOWERS Inc"),
        ("Bob's Diner 555-0199", "Bob's Diner -"),
        ("Alice {name}", "Alice name"),
        ("Robert'); DROP TABLE", "Robert' DROP TABLE"),
        ("\uff21\uff22\uff23 \uff11\uff12\uff13", "ABC"),
        ("Ana <b>$500</b> @home", "Ana bb home"),
    ],
)
def test_speakable_name_keeps_only_letters_and_name_punctuation(raw: str, speakable: str) -> None:
    assert speakable_name(raw) == speakable


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("1-800-FLOWERS Inc", "other_number"),
        ("Bob's Diner 555-0199", "other_number"),
        ("Alice {name}", "placeholder"),
        ("Acme Relief 1-888-555-0199", "other_number"),
        ("Jane {0}", "placeholder"),
    ],
)
def test_a_hostile_raw_name_is_caught_and_its_speakable_form_passes(name: str, rule: str) -> None:
    assert rule in rules(render(DEFAULT_HUMAN_TEMPLATE, name))
    assert rule in rules(render(DEFAULT_VOICEMAIL_TEMPLATE, name), VOICEMAIL)
    assert check_rendered(render(DEFAULT_HUMAN_TEMPLATE, speakable_name(name)), HUMAN) == []
    assert check_rendered(render(DEFAULT_VOICEMAIL_TEMPLATE, speakable_name(name)), VOICEMAIL) == []


def test_a_name_that_looks_like_code_is_spoken_literally() -> None:
    spoken = render(DEFAULT_HUMAN_TEMPLATE, speakable_name("Robert'); DROP TABLE"))
    assert spoken.startswith("Hello Robert' DROP TABLE.")
    assert check_rendered(spoken, HUMAN) == []


def test_a_name_that_is_itself_forbidden_content_is_caught() -> None:
    assert "url" in rules(render(DEFAULT_HUMAN_TEMPLATE, speakable_name("irs-payments.com")))
    assert "payment_method" in rules(render(DEFAULT_HUMAN_TEMPLATE, speakable_name("Western Union")))


# --- properties -------------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_a_speakable_name_never_brings_another_number_unflagged(text: str) -> None:
    spoken = render(DEFAULT_HUMAN_TEMPLATE, speakable_name(text))
    assert set(spoken_numbers(spoken)) == {OFFICIAL_NUMBER_E164} or check_rendered(spoken, HUMAN)


_DIALABLE = st.text(alphabet="0123456789 -().+x", min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), _DIALABLE, st.tuples(st.text(max_size=10), _DIALABLE).map("".join)))
def test_any_raw_name_that_adds_a_number_or_a_digit_is_flagged(name: str) -> None:
    # Digits that only repeat the official number are the one thing a name may add without being refused.
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", name) if ch.isdecimal())
    stray_digits = re.sub(r"1?8008291040", "", digits)
    for template, kind in ((DEFAULT_HUMAN_TEMPLATE, HUMAN), (DEFAULT_VOICEMAIL_TEMPLATE, VOICEMAIL)):
        spoken = render(template, name)
        if set(spoken_numbers(spoken)) != {OFFICIAL_NUMBER_E164} or stray_digits:
            assert check_rendered(spoken, kind), spoken
