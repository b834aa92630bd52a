"""Settings: defaults from config/defaults.toml, overridden by environment variables, validated once."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
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
# Twilio's account SID pattern (the 2010-04-01 API's AccountSid): AC and 32 hexadecimal digits.
ACCOUNT_SID_PATTERN = re.compile(r"^AC[0-9a-fA-F]{32}$")
SIMULATOR_ACCOUNT_SID = "AC00000000000000000000000000000000"
SIMULATOR_AUTH_TOKEN = "simulator-auth-token"
DEFAULT_INBOUND_CALLBACK_SECRET = "local-inbound-callback-secret"
# Secrets anyone can read in this repository: good for local development only.
PUBLISHED_SECRETS = frozenset({SIMULATOR_AUTH_TOKEN, DEFAULT_INBOUND_CALLBACK_SECRET})
SECRET_SETTINGS = {"twilio_auth_token", "inbound_callback_secret"}
URL_SETTINGS = {"database_url", "redis_url", "public_base_url", "simulator_url"}
# The strength a secret needs outside local development: as long as a Twilio auth token (32 characters), no
# spaces, and not a run of a few characters. A real token (32 random hex digits) has fewer than 8 different
# characters about once in ten million.
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 8
# Host names that never reach the public internet (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal) and are
# the usual private names in companies' networks.
PRIVATE_NAME_SUFFIXES = ("localhost", "local", "internal", "test", "example", "invalid", "home.arpa", "lan",
                         "localdomain", "intranet", "corp", "private")  # fmt: skip


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


def masked_url(text: str) -> str:
    """`text` with any password in it replaced by ***, for messages and logs. Works on malformed URLs too (the
    ones a configuration error is about), so it reads the text itself rather than asking a URL parser."""
    return _PASSWORD_PARAMETER.sub(r"\1***", _USERINFO.sub(_mask_userinfo, text, count=1))


# [scheme://]userinfo@ — up to the last @ before any query, since a password may hold an unescaped @ or /; the
# scheme may itself be malformed (that can be why the URL is refused).
_USERINFO = re.compile(r"^(?P<scheme>[^/?#@]*://)?(?P<userinfo>[^?#]*)@")
_PASSWORD_PARAMETER = re.compile(r"([?&][^=&#]*pass[^=&#]*=)[^&#]*", re.IGNORECASE)


def _mask_userinfo(match: re.Match[str]) -> str:
    scheme, userinfo = match["scheme"] or "", match["userinfo"]
    user, colon, _password = userinfo.partition(":")
    if colon:
        return f"{scheme}{user}:***@"
    # redis://secret@host: for Redis a lone userinfo is the password; elsewhere it is a user name.
    return f"{scheme}***@" if scheme.lower() in ("redis://", "rediss://") else match[0]


def _database_url(value: Any) -> str:
    text = str(value).strip()
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
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
    parsed = urlparse(text)
    if parsed.scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("must be a redis:// or rediss:// URL")
    try:
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("has a port that is not a number") from None
    database = parsed.path.strip("/")
    if parsed.scheme != "unix" and database and not database.isdigit():
        raise ValueError("must name the database by number, like redis://127.0.0.1:6379/0")
    return text


def _provider(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in {"simulator", "twilio"}:
        raise ValueError("must be 'simulator' or 'twilio'")
    return text


def _account_sid(value: Any) -> str:
    text = str(value).strip()
    if not ACCOUNT_SID_PATTERN.match(text):
        raise ValueError("must be a Twilio account SID (AC followed by 32 hexadecimal digits)")
    return text


def _proxy_hops(value: Any) -> int:
    number = _non_negative_int(value)
    if number > 5:
        raise ValueError("must be between 0 (trust no X-Forwarded-For) and 5 proxies")
    return number


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
    import_batch_bytes: int  # a batch is also written once it holds this much of the file (wide rows)
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
    external_time_skew_seconds: int  # how far ahead of our clock a time from outside may be (webhooks, API)
    trusted_proxy_hops: int  # proxies in front of the app whose X-Forwarded-* headers are believed (0: none)
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
    "import_batch_bytes": _positive_int,
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
    "external_time_skew_seconds": _non_negative_int,
    "trusted_proxy_hops": _proxy_hops,
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
            shown = "***" if key in SECRET_SETTINGS else repr(masked_url(str(value)) if key in URL_SETTINGS else value)
            raise ConfigError(f"{env_name(key)}={shown} ({source}): {exc}") from None
    _check_published_secrets(values)
    _check_provider(values)
    return Settings(**values)


def is_local_url(url: str) -> bool:
    """True when `url` names this machine (localhost, a loopback address): local development, the one place
    the published placeholder secrets may be used."""
    host = (urlparse(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip_address(host)
    return address is not None and address.is_loopback


def public_url_problem(url: str) -> str | None:
    """Why the provider could not call `url` from the internet (not https, or a host that is not publicly
    routable: loopback, 0.0.0.0, private and reserved ranges, internal names), or None. Names are judged as
    written; nothing is looked up in DNS."""
    parsed = urlparse(url)
    if parsed.scheme != "https":
        return "must be an https URL (Twilio signs and sends case events to it)"
    host = (parsed.hostname or "").rstrip(".").lower()
    address = _ip_address(host)
    if address is not None:
        if not address.is_global:
            return f"{host} is not a publicly routable address"
        return None
    labels = host.split(".")
    if len(labels) < 2 or not labels[-1].isalpha():
        return f"{host!r} is not a public host name"
    if any(host == suffix or host.endswith("." + suffix) for suffix in PRIVATE_NAME_SUFFIXES):
        return f"{host} is a private or reserved name"
    return None


def secret_problem(secret: str) -> str | None:
    """Why `secret` is too weak to sign anything outside local development, or None (the rule in README)."""
    if secret in PUBLISHED_SECRETS:
        return "is the published placeholder from config/defaults.toml; set a secret of your own"
    if len(secret) < SECRET_MIN_LENGTH or any(character.isspace() for character in secret):
        return f"must be at least {SECRET_MIN_LENGTH} characters without spaces (for example: openssl rand -hex 32)"
    if len(set(secret)) < SECRET_MIN_DISTINCT:
        return f"must use at least {SECRET_MIN_DISTINCT} different characters (for example: openssl rand -hex 32)"
    return None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _check_published_secrets(values: dict[str, Any]) -> None:
    """A service reachable from elsewhere (PUBLIC_BASE_URL not on this machine) never runs on a secret anyone
    can read in this repository, or on a weak one, whichever the telephony provider."""
    if is_local_url(values["public_base_url"]):
        return
    for key in ("twilio_auth_token", "inbound_callback_secret"):
        problem = secret_problem(values[key])
        if problem:
            where = masked_url(values["public_base_url"])
            raise ConfigError(
                f"{env_name(key)}=*** {problem} (PUBLIC_BASE_URL={where} is not this machine: away from local"
                " development every secret is your own and strong)"
            )


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
    problem = public_url_problem(values["public_base_url"])
    if problem:
        where = masked_url(values["public_base_url"])
        raise ConfigError(
            f"PUBLIC_BASE_URL={where}: {problem}; Twilio must reach the webhooks, so set the public https URL of"
            " this service"
        )
