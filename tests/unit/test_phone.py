"""Phone numbers: normalization, what automation refuses to dial, and the time zones a taxpayer may be in."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contact_service.domain.phone import (
    InvalidPhoneNumber,
    _region_and_type,
    decode_zones,
    encode_zones,
    parse_phone,
    possible_time_zones,
)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("(212) 555-0101", "+12125550101"),
        ("+1 415 555 0102", "+14155550102"),
        ("312-555-0103", "+13125550103"),
        ("303.555.0104", "+13035550104"),
        ("6025550105", "+16025550105"),
        ("+1 (305) 555-0106", "+13055550106"),
        ("1-907-555-0107", "+19075550107"),
        ("  808 555 0108 ", "+18085550108"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_written_any_usual_way_normalize_to_e164(written: str, e164: str) -> None:
    assert parse_phone(written).e164 == e164


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("555-0109", "has no area code"),
        ("", "is empty"),
        ("call me", "is not a phone number"),
        ("(212) 555-01", "is not a valid phone number"),
        ("+1 900 555 0100", "premium-rate"),
        ("1-800-829-1040", "the IRS's own callback line"),
        ("(800) 829 1040", "the IRS's own callback line"),
    ],
)
def test_numbers_automation_must_not_dial_are_refused_with_a_reason(written: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=reason):
        parse_phone(written)


def test_a_geographic_number_carries_the_zones_of_its_area_code() -> None:
    assert parse_phone("(212) 555-0101").zones == {"America/New_York"}
    assert parse_phone("(208) 555-0110").zones == {"America/Boise", "America/Los_Angeles"}
    assert parse_phone("787-555-0199").zones == {"America/Puerto_Rico"}


def test_a_non_geographic_number_has_no_known_zone() -> None:
    assert parse_phone("1-888-555-0100").zones is None


def test_possible_zones_are_those_of_the_number_and_of_the_state() -> None:
    new_york_number = parse_phone("(212) 555-0101").zones
    assert possible_time_zones(new_york_number, "NY") == {"America/New_York"}
    # A New York mobile number, a taxpayer on record in Florida: both Florida zones and New York.
    assert possible_time_zones(new_york_number, "FL") == {"America/New_York", "America/Chicago"}
    # Texas spans Central and Mountain.
    assert possible_time_zones(parse_phone("214-555-0100").zones, "TX") == {"America/Chicago", "America/Denver"}


def test_zones_are_unknown_when_the_number_or_the_place_has_none() -> None:
    assert possible_time_zones(None, "NY") is None
    assert possible_time_zones(parse_phone("(212) 555-0101").zones, "AE") is None
    assert possible_time_zones(parse_phone("(212) 555-0101").zones, None) is None


def test_zone_sets_survive_storage() -> None:
    zones = frozenset({"America/Chicago", "America/New_York"})
    assert encode_zones(zones) == "America/Chicago|America/New_York"
    assert decode_zones(encode_zones(zones)) == zones
    assert encode_zones(None) == "" and decode_zones("") is None


@given(st.from_regex(r"\A\+?1?[2-9]\d{9}\Z") | st.from_regex(r"\A\+[1-9]\d{6,14}\Z"))
def test_one_pass_validation_agrees_with_phonenumbers(text: str) -> None:
    # parse_phone decides validity with phonenumbers' own type helper in one region search;
    # this keeps it honest against the public API whatever the library's version.
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return
    region, kind = _region_and_type(number)
    assert (kind != phonenumbers.PhoneNumberType.UNKNOWN) == phonenumbers.is_valid_number(number)
    if phonenumbers.is_valid_number(number):
        assert region == phonenumbers.region_code_for_number(number)
        assert kind == phonenumbers.number_type(number)
