"""Phone numbers and TINs masked in log lines: the domain's masking, and the net the logging set-up casts over
every record of every logger (ours, the libraries', whatever handler writes it)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contact_service.adapters import log_setup
from contact_service.domain.phone import mask_phone_numbers, masked


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("+12125557001", "7001"),
        ("(212) 555-7001", "7001"),
        ("212-555-7001", "7001"),
        ("212.555.7001", "7001"),
        ("2125557001", "7001"),
        ("1-212-555-7001", "7001"),
        ("+1 (212) 555-7001", "7001"),
        ("+1 212 555 7001", "7001"),
        ("To=%2B12125557001&PageSize=50", "7001"),
        ("{'To': '+12125557001'}", "7001"),
        ("+44 20 7183 8750", "8750"),
    ],
)
def test_every_way_of_writing_a_number_keeps_only_its_last_four(text: str, kept: str) -> None:
    result = mask_phone_numbers(f"calling {text} now")
    assert f"***-***-{kept}" in result
    assert "555" not in result and "7183" not in result, result


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-30 14:00:00,123",
        "CA1234567890abcdef1234567890abcdef",
        "simulated:2026-11-30T14:00:00+00:00@3600x@1764511200.123456",
        "pid 12345 port 8765 attempt 123456",
        "/2010-04-01/Accounts/ACcafecafecafecafecafecafecafecafe/Calls.json",
        "***-***-7001",
        "balance 451233 cents",
    ],
)
def test_what_is_not_a_phone_number_is_left_alone(text: str) -> None:
    assert mask_phone_numbers(text) == text


def test_masked_shows_the_last_four_only() -> None:
    assert masked("+12125557001") == "***-***-7001"
    assert masked("12") == "***"


@given(
    area=st.integers(200, 999),
    exchange=st.integers(0, 999),
    line=st.integers(0, 9999),
    layout=st.sampled_from(
        ["+1{a}{x}{l}", "({a}) {x}-{l}", "{a}-{x}-{l}", "{a}.{x}.{l}", "{a}{x}{l}", "1 {a} {x} {l}"]
    ),
    before=st.sampled_from(["", " ", "to ", "=", "'", '"', "(", "[", ": "]),
    after=st.sampled_from(["", " ", ".", ",", "'", '"', ")", "]", "&x=1"]),
)
def test_no_north_american_number_survives_masking(
    area: int, exchange: int, line: int, layout: str, before: str, after: str
) -> None:
    number = layout.format(a=f"{area:03d}", x=f"{exchange:03d}", l=f"{line:04d}")
    national = f"{area:03d}{exchange:03d}{line:04d}"
    result = mask_phone_numbers(f"{before}{number}{after}")
    assert national not in "".join(c for c in result if c.isdigit()), result


# ----------------------------------------------------------------------------------------------- the set-up


@pytest.fixture
def isolated_logging() -> Iterator[io.StringIO]:
    """configure_logging on a root logger of our own, restored afterwards (pytest's handlers put aside)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_factory = logging.getLogRecordFactory()
    saved_levels = {name: logging.getLogger(name).level for name in log_setup.LIBRARY_LOGGERS}
    root.handlers = []
    stream = io.StringIO()
    log_setup._warned.clear()
    try:
        log_setup.configure_logging("INFO", stream=stream)
        yield stream
    finally:
        root.handlers, root.level = saved_handlers, saved_level
        logging.setLogRecordFactory(saved_factory)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
        log_setup._warned.clear()


def test_libraries_log_at_warning_and_follow_debug() -> None:
    assert log_setup.library_level("INFO") == "WARNING"
    assert log_setup.library_level("ERROR") == "ERROR"
    assert log_setup.library_level("DEBUG") == "DEBUG"


def test_the_twilio_sdks_request_dumps_are_not_written(isolated_logging: io.StringIO) -> None:
    logging.getLogger("twilio.http_client").info("Query Params: {'To': '+12125557001'}")
    logging.getLogger("urllib3.connectionpool").info("GET /Calls.json?To=%2B12125557001")
    assert isolated_logging.getvalue() == ""


def test_a_number_any_logger_writes_is_masked_and_said_once(isolated_logging: io.StringIO) -> None:
    leaky = logging.getLogger("some.library")
    leaky.warning("calling %s", "+12125557001")
    leaky.warning("calling %s again", "(212) 555-7002")
    written = isolated_logging.getvalue()
    assert "2125557001" not in written and "555-7002" not in written
    assert "calling ***-***-7001" in written and "calling ***-***-7002 again" in written
    assert written.count(log_setup.CAUGHT_BY_THE_NET) == 1, written
    assert "in a record of some.library" in written


def test_what_our_sources_mask_themselves_raises_no_alarm(isolated_logging: io.StringIO) -> None:
    logging.getLogger("contact_service.x").warning("attempt 7 to %s", masked("+12125557001"))
    assert log_setup.CAUGHT_BY_THE_NET not in isolated_logging.getvalue()


def test_tracebacks_and_tins_are_masked_too(isolated_logging: io.StringIO) -> None:
    try:
        raise ValueError("duplicate key (e164)=(+12125557001), tin_last4='4821', ssn 123-45-6789")
    except ValueError:
        logging.getLogger("contact_service.x").exception("insert failed")
    written = isolated_logging.getvalue()
    assert "ValueError" in written
    assert "2125557001" not in written and "4821" not in written and "123-45-6789" not in written, written


def test_records_of_handlers_other_than_ours_are_masked(isolated_logging: io.StringIO) -> None:
    """RQ and gunicorn attach handlers of their own that never reach the root's: the net is the record."""
    own = io.StringIO()
    logger = logging.getLogger("gunicorn.access.test")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(own))
    try:
        logger.warning('"GET /x?caller=%s"', "+12125557001")
    finally:
        logger.handlers.clear()
    assert "2125557001" not in own.getvalue() and "***-***-7001" in own.getvalue()
