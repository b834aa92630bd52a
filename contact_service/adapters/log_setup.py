"""One logging set-up for every process (CLI commands, dispatcher, workers, scheduler, gunicorn's workers).

- One handler on the root logger, one format: time, level, process id, logger, message.
- Libraries at WARNING: the Twilio SDK dumps every request at INFO (the query of a call lookup carries the
  number it looks for), urllib3 and werkzeug log URLs with their query strings, RQ narrates every job. At
  DEBUG they follow the service's level (still masked, below).
- Defence in depth: every record of every logger in the process, whatever handler writes it (ours, RQ's,
  gunicorn's), has anything phone-shaped in its message, its traceback and its stack masked to the last four
  digits, and a TIN written after its name ("tin_last4=1234") masked whole. The sources mask what they log
  themselves (`domain.phone.masked`); when the net catches something, it says so once per logger, at WARNING,
  so that the source gets fixed (the end-to-end log scan fails on that line).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from contact_service.domain.phone import mask_phone_numbers

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
# Loggers of the libraries we run; each is kept at WARNING unless the service logs at DEBUG.
LIBRARY_LOGGERS = (
    "twilio",
    "urllib3",
    "requests",
    "werkzeug",
    "rq",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "redis",
    "schemathesis",
    "hypothesis",
)
MASKING_LOGGER = "contact_service.log_masking"
CAUGHT_BY_THE_NET = "the log filter masked a phone number or a TIN"
# A TIN fragment named as such: tin_last4=1234, "tin": "123-45-6789", TIN 6789...
_TIN_IN_CONTEXT = re.compile(r"(?i)(\b(?:tin|ssn|ein|itin)(?:_?last_?4)?\b['\"]?\s*[:=]?\s*['\"]?)[\d-]{4,11}")
# SSN- or EIN-shaped anywhere: 123-45-6789, 12-3456789.
_TIN_SHAPED = re.compile(r"(?<![\w-])(?:\d{3}-\d{2}-\d{4}|\d{2}-\d{7})(?![\w-])")

_handler_marker = "_contact_service_handler"
_lock = threading.Lock()
_warned: set[str] = set()


def library_level(level: str) -> str:
    """The level libraries log at when the service logs at `level`: WARNING, or DEBUG when debugging."""
    if level == "DEBUG":
        return "DEBUG"
    return level if logging.getLevelName(level) > logging.WARNING else "WARNING"


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Set up logging for this process (idempotent): the root handler at `level` unless the process already
    has one (a test runner's), the libraries at `library_level`, and the masking net on every record."""
    install_masking()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        setattr(handler, _handler_marker, True)
        root.addHandler(handler)
        root.setLevel(level)
    elif any(getattr(handler, _handler_marker, False) for handler in root.handlers):
        root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level(level))


def scrub(text: str) -> str:
    """`text` with phone numbers masked to their last four digits and TINs (shaped, or named) masked whole."""
    text = mask_phone_numbers(text)
    text = _TIN_IN_CONTEXT.sub(lambda match: match.group(1) + "****", text)
    return _TIN_SHAPED.sub("***-**-****", text)


def install_masking() -> None:
    """Wrap the record factory so every record created in this process is scrubbed (once)."""
    with _lock:
        factory = logging.getLogRecordFactory()
        if getattr(factory, _handler_marker, False):
            return
        logging.setLogRecordFactory(_masking_factory(factory))


def _masking_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _scrub_record(record)
        return record

    setattr(factory, _handler_marker, True)
    return factory


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is the logging module's to report, unmasked args are not
        message, record.args = str(record.msg), ()
    record.msg, record.args = scrub(message), ()
    caught = record.msg != message
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = scrub(text)
        caught = caught or record.exc_text != text
    if record.stack_info:
        text, record.stack_info = record.stack_info, scrub(record.stack_info)
        caught = caught or record.stack_info != text
    if caught and record.name != MASKING_LOGGER:
        _say_once(record.name)


def _say_once(name: str) -> None:
    with _lock:
        if name in _warned:
            return
        _warned.add(name)
    logging.getLogger(MASKING_LOGGER).warning(
        "%s in a record of %s; its source should mask numbers itself (domain.phone.masked)", CAUGHT_BY_THE_NET, name
    )
