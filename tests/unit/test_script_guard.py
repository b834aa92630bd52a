"""The script guard: the only number a call speaks is 1-800-829-1040, and a warning is not a demand."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from contact_service.domain.script_guard import ScriptKind, Violation, check_rendered, check_template, spoken_numbers

HUMAN, VOICEMAIL = ScriptKind.HUMAN, ScriptKind.VOICEMAIL
OFFICIAL = "+18008291040"
CORPUS = Path(__file__).resolve().parent.parent / "data" / "scripts"
# Every text below starts clean, so the rule under test is the only thing that can fire.
CLEAN = "Hello, this is the IRS. Please call us back at 1-800-829-1040."
ALL_RULES = {
    "must_identify_irs",
    "missing_official_number",
    "other_number",
    "digits",
    "amount",
    "notice_number",
    "payment_demand",
    "payment_method",
    "personal_data",
    "threat",
    "deadline",
    "url",
    "placeholder",
    "voicemail_detail",
    "voicemail_warning",
    "too_long",
    "missing_addressee",
    "pressure",
}


def rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def human(extra: str) -> set[str]:
    return rules(check_rendered(f"{CLEAN} {extra}", HUMAN))


# --- the corpus ------------------------------------------------------------------------------------------------


def load_script(path: Path) -> tuple[str, ScriptKind, set[str]]:
    """Body, kind and expected rules of a corpus file; '#' header lines are blanked so line numbers match the file."""
    raw = path.read_text(encoding="utf-8")
    kind = VOICEMAIL if re.search(r"^#\s*kind:\s*voicemail\s*$", raw, re.M | re.I) else HUMAN
    expect = re.search(r"^#\s*expect:\s*(.+)$", raw, re.M)
    expected = {rule.strip() for rule in expect.group(1).split(",")} if expect else set()
    body = "\n".join("" if line.lstrip().startswith("#") else line for line in raw.splitlines())
    return body, kind, expected


GOOD = sorted((CORPUS / "good").glob("*.txt"))
BAD = sorted((CORPUS / "bad").glob("*.txt"))


def test_corpus_covers_every_rule_with_enough_scripts() -> None:
    assert len(GOOD) >= 10 and len(BAD) >= 30
    assert sum(load_script(path)[1] is VOICEMAIL for path in GOOD) >= 3
    expected = [load_script(path)[2] for path in BAD]
    assert all(expected), "every bad script names the rules it must break"
    assert set().union(*expected) == ALL_RULES


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_script_is_accepted(path: Path) -> None:
    body, kind, _ = load_script(path)
    assert check_template(body, kind) == []
    assert check_rendered(body.replace("{name}", "Maria Lopez"), kind) == []


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_script_is_refused_for_the_expected_reasons(path: Path) -> None:
    body, kind, expected = load_script(path)
    violations = check_template(body, kind)
    assert expected <= rules(violations), [(v.rule, v.excerpt) for v in violations]
    assert all(1 <= v.line <= len(body.splitlines()) and len(v.excerpt) <= 60 for v in violations)


# --- rules 1 and 2: who calls, and the one number -----------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["This is the tax office.", "This is Mirsky and Partners.", "This is the I R S office."]
)
def test_a_call_that_does_not_name_the_irs_is_refused(text: str) -> None:
    assert "must_identify_irs" in rules(check_rendered(f"{text} Call 1-800-829-1040.", HUMAN))


@pytest.mark.parametrize("name", ["IRS", "irs", "Internal Revenue Service", "internal  revenue\nservice", "I.R.S."])
def test_the_irs_may_be_named_any_usual_way(name: str) -> None:
    assert check_rendered(f"This is the {name}. Call 1-800-829-1040.", HUMAN) == []


@pytest.mark.parametrize(
    "number",
    [
        "1-800-829-1040",
        "(800) 829-1040",
        "1.800.829.1040",
        "+1 800 829 1040",
        "18008291040",
        "1\u2013800\u2013829\u20131040",  # en dashes
        "\uff11-\uff18\uff10\uff10-\uff18\uff12\uff19-\uff11\uff10\uff14\uff10",  # fullwidth digits
    ],
)
def test_the_official_number_is_recognized_in_any_format(number: str) -> None:
    assert spoken_numbers(f"Call {number}.") == [OFFICIAL]
    assert check_rendered(f"This is the IRS. Call {number}.", HUMAN) == []


def test_a_call_without_the_official_number_is_refused_even_if_spelled_out() -> None:
    assert "missing_official_number" in rules(check_rendered("This is the IRS. Please call us back.", HUMAN))
    spelled = "This is the IRS. Call one eight hundred eight two nine one zero four zero."
    assert rules(check_rendered(spelled, HUMAN)) == {"missing_official_number"}


# --- rule 3: no other number, in any disguise -----------------------------------------------------------------


def test_spoken_numbers_lists_every_number_the_matcher_finds() -> None:
    text = "Call 1-800-829-1040 or 1-888-555-0199, or 555-0142."
    assert spoken_numbers(text) == [OFFICIAL, "+18885550199", "+15550142"]
    assert spoken_numbers("Thank you. Goodbye.") == []


@pytest.mark.parametrize(
    "extra",
    [
        "Or call 1-888-555-0199.",
        "Our agent: 202 555 0143.",
        "Or 1-800-829-1040 1-888-555-0199.",
        "Call 1-800-TAX-FORM.",
        "Call 800-FLOWERS.",
        "Call 1-800 IRS HELP.",
        "Call 1-8OO-829-1O4O.",
        "Account 123 456 789.",
        "Or call 1-888-555-\n0199.",
        "Or dial eight eight eight, five five five, zero one nine nine.",
        "Or dial eight two nine, ten forty.",
        "Or one eight hundred eight two nine one zero four zero five.",
    ],
)
def test_any_other_number_is_refused(extra: str) -> None:
    assert "other_number" in human(extra)


@pytest.mark.parametrize(
    "spelled",
    [
        "one eight hundred eight two nine one zero four zero",
        "one, eight hundred, eight two nine, ten forty",
        "eight hundred, eight twenty-nine, ten forty",
        "one eight zero zero, eight two nine, one oh four oh",
    ],
)
def test_the_official_number_may_be_spelled_out(spelled: str) -> None:
    assert human(f"That is {spelled}.") == set()


# --- rule 4: digits are case detail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ("It is about tax year 2023.", "digits"),
        ("It is about your case opened 04/15/2024.", "digits"),
        ("Use extension 5.", "digits"),
        ("It is about tax year twenty twenty-three.", "digits"),
        ("It is about notice CP504.", "notice_number"),
        ("It is about CP 504.", "notice_number"),
        ("It is about CP-504.", "notice_number"),
        ("It is about LT11.", "notice_number"),
        ("It is about Letter 1058.", "notice_number"),
        ("It is about notice 504.", "notice_number"),
        ("It is about C P five oh four.", "notice_number"),
        ("It is about $4,512.33.", "amount"),
        ("It is about 4,512 owed.", "amount"),
        ("It is about 4512.33.", "amount"),
        ("It is about 300 dollars.", "amount"),
    ],
)
def test_digits_other_than_the_number_and_menu_keys_are_refused(extra: str, rule: str) -> None:
    assert rule in human(extra)


def test_the_official_number_with_an_extension_is_refused() -> None:
    text = "This is the IRS. Call 1 800 829 1040 extension 5."
    assert spoken_numbers(text) == [OFFICIAL]
    assert ("digits", "extension 5") in {(v.rule, v.excerpt) for v in check_rendered(text, HUMAN)}


def test_menu_keys_may_be_spoken() -> None:
    assert human("To hear this again, press 1. To be connected, press two.") == set()
    assert "digits" in human("To be connected, press 12.")


# --- rules 5 to 11 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ("You have a balance due.", "amount"),
        ("You owe money.", "amount"),
        ("It is about the dollars owed.", "amount"),
        ("Send $ now.", "amount"),
        ("Please pay us.", "payment_demand"),
        ("Your payment is late.", "payment_demand"),
        ("Remit the funds.", "payment_demand"),
        ("Settle your debt.", "payment_demand"),
        ("This is about a debt.", "payment_demand"),
        ("Verify your identity.", "personal_data"),
        ("Have your Social Security number ready.", "personal_data"),
        ("Confirm your date of birth.", "personal_data"),
        ("Tell us your bank account and routing number.", "personal_data"),
        ("Enter your PIN.", "personal_data"),
        ("Officer Smith will see you.", "threat"),
        ("A warrant has been issued.", "threat"),
        ("You face jail.", "threat"),
        ("You may be deported.", "threat"),
        ("Your license will be revoked.", "threat"),
        ("We will file a lawsuit.", "threat"),
        ("We will sue you.", "threat"),
        ("We will seize your car.", "threat"),
        ("A levy and a lien are next.", "threat"),
        ("We will garnish your wages.", "threat"),
        ("We will freeze your bank account.", "threat"),
        ("You will be charged.", "threat"),
        ("Officers are on the way.", "threat"),
        ("Call today.", "deadline"),
        ("Call right now.", "deadline"),
        ("Call immediately.", "deadline"),
        ("This is urgent.", "deadline"),
        ("Respond within 48 hours.", "deadline"),
        ("Respond within two days.", "deadline"),
        ("Call by end of the day.", "deadline"),
        ("This is your final notice.", "deadline"),
        ("This is your last chance.", "deadline"),
        ("Act before it is too late.", "deadline"),
        ("The offer expires soon.", "deadline"),
        ("Visit https://irs.gov/pay.", "url"),
        ("Visit www.irs.gov.", "url"),
        ("Visit irs.gov.", "url"),
        ("Visit irs-payments.com.", "url"),
        ("Visit bit.ly/x2.", "url"),
        ("Visit irs dot gov.", "url"),
        ("Write to help@irs-refunds.net.", "url"),
        ("Visit our website.", "url"),
        ("Call back before five p.m.", "deadline"),
        ("Call back in the next hour.", "deadline"),
        ("Your stimulus refund is waiting.", "amount"),
        ("Your tax file has been flagged for fraud.", "threat"),
        ("We will contact your employer.", "threat"),
        ("A federal agent will visit your home.", "threat"),
        ("Your passport will be taken.", "threat"),
        ("Do not hang up.", "pressure"),
        ("Stay on the line.", "pressure"),
        ("Don't tell anyone about this call.", "pressure"),
        ("Keep this call confidential.", "pressure"),
    ],
)
def test_forbidden_content_is_refused(extra: str, rule: str) -> None:
    assert rule in human(extra)


@pytest.mark.parametrize(
    "method",
    [
        "gift card",
        "gift-cards",
        "iTunes cards",
        "Apple cards",
        "Google Play",
        "Amazon gift card",
        "Steam card",
        "Target gift cards",
        "Walmart",
        "eBay card",
        "Vanilla Visa",
        "Visa gift card",
        "Sephora card",
        "Razer Gold",
        "prepaid debit card",
        "reloadable card",
        "Green Dot",
        "wire transfer",
        "Western Union",
        "MoneyGram",
        "Ria",
        "money transfer",
        "money order",
        "cashier\u2019s check",
        "cryptocurrency",
        "crypto",
        "bitcoin",
        "Ethereum",
        "Tether",
        "USDT",
        "a bitcoin ATM",
        "Venmo",
        "Zelle",
        "Cash App",
        "PayPal",
        "Apple Pay",
        "Google Pay",
        "credit card",
        "debit card",
        "cash",
    ],
)
def test_every_payment_method_is_refused_outside_a_warning(method: str) -> None:
    assert "payment_method" in human(f"Use {method}.")


def test_wire_as_a_verb_is_a_payment_method() -> None:
    assert "payment_method" in human("Wire the funds to our agent.")


@pytest.mark.parametrize("extra", ["Please call us now.", "We never call to demand immediate payment."])
def test_bare_now_and_the_adjective_immediate_are_not_deadlines(extra: str) -> None:
    assert "deadline" not in human(extra)


# --- rule 13a: a warning is not a demand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "warning",
    [
        "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency.",
        "We never call to demand immediate payment or threaten arrest.",
        "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency, and will never threaten you.",
        "Remember: the IRS does not accept payment by gift card, prepaid debit card or bitcoin.",
        "The IRS won\u2019t ask for your Social Security number, bank account or PIN.",
        "The Internal Revenue Service would never threaten you with police, jail or deportation.",
        "We don't send officers to your home.",
        "The IRS doesn't ever   ask for  gift cards.",
        "The IRS will never ask you to keep a call secret.",
    ],
)
def test_a_warning_sentence_may_name_what_the_irs_never_does(warning: str) -> None:
    assert human(warning) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The IRS will never ask for gift cards, but you must pay by wire transfer now.",
            {"payment_method", "payment_demand"},
        ),
        ("Never ignore this call: pay with Apple gift cards.", {"payment_method", "payment_demand"}),
        ("The IRS does not accept payment by gift card; pay by wire instead.", {"payment_method", "payment_demand"}),
        ("Pay by gift card or the IRS will never forgive you.", {"payment_method", "payment_demand"}),
        ("We don't want to arrest you.", {"threat"}),
        ("The IRS will not take legal action unless you pay with a prepaid card.", {"threat", "payment_method"}),
        ("The IRS will not call again and the sheriff will arrest you.", {"threat"}),
        ("We never take checks, gift cards are fine.", {"payment_method"}),
        ("The IRS won't ask for your SSN, just your PIN.", {"personal_data"}),
        ("The IRS will never call without writing first, so please pay by money order.", {"payment_method"}),
        ("They say the IRS will never ask for gift cards - pay with gift cards anyway.", {"payment_method"}),
        ("The IRS will never ask for gift cards, so call today.", {"deadline"}),
        ("The IRS will never ask you to pay within 24 hours.", {"deadline"}),
        ("The IRS will never say you owe $500.", {"amount"}),
        ("The IRS will never ask you to visit irs-pay.com.", {"url"}),
    ],
)
def test_a_demand_dressed_as_a_warning_is_refused(text: str, expected: set[str]) -> None:
    assert expected <= human(text)


# --- rule 12: placeholders ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "placeholder", ["{amount}", "{NAME}", "{ name }", "{0}", "{}", "{name.__class__}", "{{name}}", "{name", "name}"]
)
def test_only_the_name_placeholder_is_allowed_in_a_template(placeholder: str) -> None:
    assert "placeholder" in rules(check_template(f"Hello {placeholder}. {CLEAN}", HUMAN))


def test_the_name_placeholder_is_allowed_and_any_brace_in_spoken_text_is_not() -> None:
    assert check_template(f"Hello {{name}}. {CLEAN}", HUMAN) == []
    assert "placeholder" in rules(check_rendered(f"Hello {{name}}. {CLEAN}", HUMAN))


def test_a_template_is_also_checked_as_written() -> None:
    # Rendered with a sample name "pay" is glued to the name; as written it is a word on its own.
    assert "payment_demand" in rules(check_template(f"{CLEAN} Please pay{{name}}.", HUMAN))


# --- rule 13: voicemail -------------------------------------------------------------------------------------------

VOICEMAIL_OK = "This message is for {name}. This is the IRS. Please call us back at 1-800-829-1040. Thank you."


@pytest.mark.parametrize(
    "word",
    [
        "tax",
        "taxes",
        "balance",
        "owe",
        "debt",
        "payment",
        "pay",
        "account",
        "notice",
        "letter",
        "collection",
        "levy",
        "lien",
        "penalty",
        "interest",
        "refund",
        "audit",
        "return",
        "bill",
        "overdue",
        "due",
        "amount",
        "case",
    ],
)
def test_a_voicemail_says_nothing_about_the_case(word: str) -> None:
    text = VOICEMAIL_OK.replace("Thank you.", f"It is about the {word}.")
    assert "voicemail_detail" in rules(check_template(text, VOICEMAIL))
    assert "voicemail_detail" in rules(check_rendered(text.replace("{name}", "Maria Lopez"), VOICEMAIL))


def test_a_voicemail_carries_no_warning_and_gets_no_exemption() -> None:
    text = VOICEMAIL_OK + " The IRS will never ask for gift cards."
    assert {"voicemail_warning", "payment_method"} <= rules(check_template(text, VOICEMAIL))
    assert "voicemail_warning" in rules(check_template(VOICEMAIL_OK + " We will never threaten you.", VOICEMAIL))


def test_a_voicemail_template_must_name_the_addressee_but_a_rendered_one_cannot_be_checked_for_it() -> None:
    text = VOICEMAIL_OK.replace("{name}", "you")
    assert rules(check_template(text, VOICEMAIL)) == {"missing_addressee"}
    assert check_rendered(text, VOICEMAIL) == []
    assert check_template(VOICEMAIL_OK.replace("{name}", "you"), HUMAN) == []


def test_a_voicemail_has_at_most_sixty_words() -> None:
    base = "This is for Maria. This is the IRS. Call 1-800-829-1040."  # 10 words; the number is one
    assert check_rendered(base + " please" * 50, VOICEMAIL) == []
    assert rules(check_rendered(base + " please" * 51, VOICEMAIL)) == {"too_long"}


# --- normalization and the shape of the answer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "hidden",
    ["gift\u200bcard", "GIFT  CARD", "gift\ncard", "\uff47\uff49\uff46\uff54 card", "gift\u00adcard"],
)
def test_spacing_case_and_unicode_tricks_do_not_hide_a_word(hidden: str) -> None:
    assert "payment_method" in human(f"Buy a {hidden}.")


def test_violations_are_ordered_by_line_and_position_without_duplicates() -> None:
    text = "This is the IRS.\nPay by gift card today. Or a gift card.\nCall 1-800-829-1040 or 1-888-555-0199."
    found = [(v.rule, v.excerpt, v.line) for v in check_rendered(text, HUMAN)]
    assert found == [
        ("payment_demand", "Pay", 2),
        ("payment_method", "gift card", 2),
        ("deadline", "today", 2),
        ("other_number", "1-888-555-0199", 3),
    ]


def test_a_violation_is_an_immutable_record_with_a_short_excerpt_and_a_sentence() -> None:
    (violation,) = check_rendered(f"{CLEAN} Visit https://example.com/" + "a" * 200, HUMAN)
    assert violation.rule == "url" and len(violation.excerpt) == 60 and violation.line == 1
    assert violation.message.startswith("gives a web address")
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.rule = "none"  # type: ignore[misc]
