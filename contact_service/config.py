"""Settings: defaults from config/defaults.toml, overridden by environment variables, validated once."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

# Settings whose environment variable is a conventional name rather than CONTACT_<KEY>.
CONVENTIONAL_ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "public_base_url": "PUBLIC_BASE_URL",
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_caller_id": "TWILIO_CALLER_ID",
}
SIMULATOR_ACCOUNT_SID = "ACdemo0000000000000000000000000000"
SIMULATOR_AUTH_TOKEN = "simulator-auth-token"
DEFAULT_INBOUND_CALLBACK_SECRET = "local-inbound-callback-secret"
SECRET_SETTINGS = {"twilio_auth_token", "inbound_callback_secret"}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting and where it came from."""


def _positive_int(value: Any) -> int:
    number = int(str(value).strip())
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _non_negative_int(value: Any) -> int:
    number = int(str(value).strip())
    if number < 0:
        raise ValueError("must be 0 or a positive integer")
    return number


def _clock(value: Any) -> str:
    from contact_service.clock import clock_from_spec

    text = str(value).strip()
    clock_from_spec(text)
    return text


def _notice_stage(value: Any) -> str:
    from contact_service.domain.cases import NoticeStage

    text = str(value).strip().upper()
    try:
        return NoticeStage(text).value
    except ValueError:
        raise ValueError(f"must be one of {', '.join(stage.value for stage in NoticeStage)}") from None


def _worker_count(value: Any) -> int:
    number = int(str(value).strip())
    if number < 0:
        raise ValueError("must be 0 (one per CPU core) or a positive integer")
    return number or (os.cpu_count() or 1)


def _log_level(value: Any) -> str:
    level = str(value).strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _database_url(value: Any) -> str:
    text = str(value).strip()
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ValueError("is not a database URL (expected e.g. postgresql://user@host/db)") from exc
    backend = url.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ValueError(f"uses {backend!r}; supported are sqlite and postgresql")
    return text


def _http_url(value: Any) -> str:
    text = str(value).strip().rstrip("/")
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return text


def _redis_url(value: Any) -> str:
    text = str(value).strip()
    if urlparse(text).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("must be a redis:// or rediss:// URL")
    return text


def _provider(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in {"simulator", "twilio"}:
        raise ValueError("must be 'simulator' or 'twilio'")
    return text


def _account_sid(value: Any) -> str:
    text = str(value).strip()
    if not (text.startswith("AC") and len(text) == 34 and text[2:].isalnum()):
        raise ValueError("must be a Twilio account SID (AC followed by 32 characters)")
    return text


def _non_empty(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _secret(value: Any) -> str:
    text = str(value).strip()
    if len(text) < 16:
        raise ValueError("must be at least 16 characters")
    return text


def _e164(value: Any) -> str:
    text = str(value).strip()
    if not (text.startswith("+") and text[1:].isdigit() and 8 <= len(text) <= 16):
        raise ValueError("must be a phone number in E.164 form, like +12025550140")
    return text


def _passport_thresholds(value: Any) -> tuple[tuple[int, int], ...]:
    """IRC 7345 thresholds as (year, whole dollars) pairs, from a TOML table or "2024=62000,2025=64000"."""
    hint = "expected YEAR=DOLLARS pairs, like 2024=62000,2025=64000"
    if isinstance(value, Mapping):
        entries = [(str(year), amount) for year, amount in value.items()]
    else:
        entries = []
        for part in filter(None, (part.strip() for part in str(value).split(","))):
            if "=" not in part:
                raise ValueError(f"entry {part!r} has no amount ({hint})")
            year, amount = part.split("=", 1)
            entries.append((year, amount))
    thresholds: dict[int, int] = {}
    for year, amount in entries:
        year, amount_text = year.strip(), str(amount).strip()
        if not (len(year) == 4 and year.isascii() and year.isdigit()):
            raise ValueError(f"{year!r} is not a year ({hint})")
        if isinstance(amount, bool) or not (amount_text.isascii() and amount_text.isdigit()) or int(amount_text) <= 0:
            raise ValueError(f"{year}: {amount_text!r} is not a positive whole number of dollars ({hint})")
        if int(year) in thresholds:
            raise ValueError(f"{year} is given twice")
        thresholds[int(year)] = int(amount_text)
    return tuple(sorted(thresholds.items()))


@dataclass(frozen=True)
class Settings:
    """Validated runtime settings; build with `load_settings`, never by hand in production code."""

    database_url: str
    redis_url: str
    public_base_url: str
    log_level: str
    import_batch_size: int
    import_workers: int
    telephony_provider: str
    simulator_url: str
    twilio_account_sid: str
    twilio_auth_token: str = dataclasses.field(repr=False)
    twilio_caller_id: str
    clock: str
    min_notice_stage: str
    min_days_since_notice: int
    daily_attempt_cap: int
    weekly_attempt_cap: int
    automated_call_seconds: int
    account_calls_per_second: int
    max_calls_in_progress: int
    ring_timeout_seconds: int
    call_time_limit_seconds: int
    reconcile_after_seconds: int
    campaign_calls_per_second: int
    campaign_max_attempts: int
    passport_certification_thresholds: tuple[tuple[int, int], ...]  # (year, whole dollars), sorted by year
    escalation_grace_days: int
    escalation_every_seconds: int
    claim_timeout_minutes: int
    inbound_callback_secret: str = dataclasses.field(repr=False)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (used by tests and the demo)."""
        return dataclasses.replace(self, **changes)


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "database_url": _database_url,
    "redis_url": _redis_url,
    "public_base_url": _http_url,
    "log_level": _log_level,
    "import_batch_size": _positive_int,
    "import_workers": _worker_count,
    "telephony_provider": _provider,
    "simulator_url": _http_url,
    "twilio_account_sid": _account_sid,
    "twilio_auth_token": _non_empty,
    "twilio_caller_id": _e164,
    "clock": _clock,
    "min_notice_stage": _notice_stage,
    "min_days_since_notice": _non_negative_int,
    "daily_attempt_cap": _positive_int,
    "weekly_attempt_cap": _positive_int,
    "automated_call_seconds": _positive_int,
    "account_calls_per_second": _positive_int,
    "max_calls_in_progress": _positive_int,
    "ring_timeout_seconds": _positive_int,
    "call_time_limit_seconds": _positive_int,
    "reconcile_after_seconds": _positive_int,
    "campaign_calls_per_second": _positive_int,
    "campaign_max_attempts": _positive_int,
    "passport_certification_thresholds": _passport_thresholds,
    "escalation_grace_days": _non_negative_int,
    "escalation_every_seconds": _positive_int,
    "claim_timeout_minutes": _positive_int,
    "inbound_callback_secret": _secret,
}


def env_name(key: str) -> str:
    """The environment variable that overrides setting `key`."""
    return CONVENTIONAL_ENV_NAMES.get(key, f"CONTACT_{key.upper()}")


def _read_defaults(config_dir: Path) -> dict[str, Any]:
    path = config_dir / "defaults.toml"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration defaults not found at {path} (set CONTACT_CONFIG_DIR)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read defaults, apply environment then explicit overrides, and validate every setting."""
    environ = os.environ if environ is None else environ
    config_dir = Path(environ.get("CONTACT_CONFIG_DIR") or REPO_CONFIG_DIR)
    raw: dict[str, tuple[Any, str]] = {
        key: (value, f"{config_dir / 'defaults.toml'}") for key, value in _read_defaults(config_dir).items()
    }
    unknown = sorted(set(raw) - set(VALIDATORS))
    if unknown:
        raise ConfigError(f"{config_dir / 'defaults.toml'}: unknown setting(s): {', '.join(unknown)}")
    for key in VALIDATORS:
        name = env_name(key)
        if environ.get(name) not in (None, ""):
            raw[key] = (environ[name], f"environment variable {name}")
    for key, value in (overrides or {}).items():
        if key not in VALIDATORS:
            raise ConfigError(f"unknown setting override: {key}")
        raw[key] = (value, "override")

    values: dict[str, Any] = {}
    for key, validate in VALIDATORS.items():
        if key not in raw:
            raise ConfigError(f"setting {key} ({env_name(key)}) is not set")
        value, source = raw[key]
        try:
            values[key] = validate(value)
        except (TypeError, ValueError) as exc:
            shown = "***" if key in SECRET_SETTINGS else repr(value)
            raise ConfigError(f"{env_name(key)}={shown} ({source}): {exc}") from None
    _check_provider(values)
    return Settings(**values)


def _check_provider(values: dict[str, Any]) -> None:
    """Real Twilio needs real credentials: refuse to start with the simulator's placeholders."""
    if values["telephony_provider"] != "twilio":
        return
    if values["twilio_account_sid"] == SIMULATOR_ACCOUNT_SID:
        raise ConfigError("TWILIO_ACCOUNT_SID: set your Twilio account SID to use CONTACT_TELEPHONY_PROVIDER=twilio")
    if values["twilio_auth_token"] == SIMULATOR_AUTH_TOKEN:
        raise ConfigError("TWILIO_AUTH_TOKEN: set your Twilio auth token to use CONTACT_TELEPHONY_PROVIDER=twilio")
    if values["inbound_callback_secret"] == DEFAULT_INBOUND_CALLBACK_SECRET:
        raise ConfigError("CONTACT_INBOUND_CALLBACK_SECRET: set the secret the call-centre platform signs reports with")
    if values["public_base_url"].startswith(("http://127.", "http://localhost")):
        raise ConfigError("PUBLIC_BASE_URL: Twilio must reach the webhooks; set the public https URL of this service")
