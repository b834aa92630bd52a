"""Simulator configuration: defaults, merging, and messages that name the bad field."""

import re

import pytest

from contact_service.config import load_settings
from contact_service.simulator import DEFAULT_MIX, SimulatorConfig


def test_defaults() -> None:
    config = SimulatorConfig.from_mapping({})
    assert config.cps == 50 and config.speed == 1.0 and config.mix == DEFAULT_MIX
    # Twilio's AccountSid pattern, and the service's default account, so the two work together untouched.
    assert re.fullmatch(r"AC[0-9a-fA-F]{32}", config.account_sid)
    assert config.account_sid == load_settings(environ={}).twilio_account_sid
    assert "auth_token" not in config.to_mapping()


def test_from_mapping_normalizes_and_merges() -> None:
    config = SimulatorConfig.from_mapping({"fixed": {"+12025550101": "busy", "+12025550102": ["busy", "human"]}})
    assert config.fixed == {"+12025550101": ("busy",), "+12025550102": ("busy", "human")}
    changed = config.merged({"speed": "60", "hold_back": ["ringing"]})
    assert (changed.speed, changed.hold_back, changed.fixed) == (60.0, ("ringing",), config.fixed)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"colour": "red"}, "unknown setting 'colour'"),
        ({"cps": 0}, "cps: must be a positive integer"),
        ({"cps": True}, "cps: must be an integer"),
        ({"speed": -1}, "speed: must be greater than 0"),
        ({"duplicate_rate": 1.5}, "duplicate_rate: must be between 0 and 1"),
        ({"reorder_rate": "often"}, "reorder_rate:"),
        ({"mix": {"robot": 1}}, "mix: unknown persona 'robot'"),
        ({"mix": {"busy": 0}}, "mix: needs at least one persona with a positive weight"),
        ({"mix": {"busy": -2}}, "mix: weight of 'busy' must not be negative"),
        ({"fixed": {"2025550101": "busy"}}, "fixed: '2025550101' is not an E.164 number"),
        ({"fixed": {"+12025550101": []}}, "fixed: +12025550101: expected a persona name"),
        ({"hold_back": ["completed"]}, "hold_back: 'completed' cannot be held back"),
        ({"hold_back": "ringing"}, "hold_back: must be a list"),
        ({"account_sid": "AC123"}, "account_sid: must be AC followed by 32"),
        ({"account_sid": "ACdemo0000000000000000000000000000"}, "account_sid: must be AC followed by 32 hexadecimal"),
        ({"webhook_timeout": 0}, "webhook_timeout: must be greater than 0"),
        ({"retain_calls": 0}, "retain_calls: must be a positive integer"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(values: dict, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        SimulatorConfig.from_mapping(values)
    assert message in str(raised.value)
