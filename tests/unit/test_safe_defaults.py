"""Safe defaults: the published placeholder secrets work only in local development (PUBLIC_BASE_URL on this
machine), whatever the provider; secrets away from it have a minimum strength; real Twilio needs a public https
URL; configuration errors never show a password."""

from __future__ import annotations

import re

import pytest

from contact_service.config import (
    DEFAULT_INBOUND_CALLBACK_SECRET,
    SIMULATOR_AUTH_TOKEN,
    ConfigError,
    is_local_url,
    load_settings,
    masked_url,
    public_url_problem,
    secret_problem,
)

TOKEN = "4c1f0e9a7b2d8e6f5a3c9b1d7e0f2a48"  # shaped like a Twilio auth token: 32 hex digits
SECRET = "b7e1c9d04f3a8e2b6d5c1f9a0e7b3d2c"
PUBLIC = "https://calls.example.gov"


def settings(**environ: str):  # type: ignore[no-untyped-def]
    return load_settings(environ=environ)


# --- placeholders only at home ------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["simulator", "twilio"])
@pytest.mark.parametrize(
    ("variable", "others"),
    [
        ("TWILIO_AUTH_TOKEN", {"CONTACT_INBOUND_CALLBACK_SECRET": SECRET}),
        ("CONTACT_INBOUND_CALLBACK_SECRET", {"TWILIO_AUTH_TOKEN": TOKEN}),
    ],
)
def test_a_service_reachable_from_elsewhere_refuses_a_published_secret_whatever_the_provider(
    provider: str, variable: str, others: dict[str, str]
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(
            PUBLIC_BASE_URL=PUBLIC,
            CONTACT_TELEPHONY_PROVIDER=provider,
            TWILIO_ACCOUNT_SID="AC" + "a" * 32,
            **others,
        )
    message = str(raised.value)
    assert message.startswith(f"{variable}=***") and "published placeholder" in message
    assert SIMULATOR_AUTH_TOKEN not in message and DEFAULT_INBOUND_CALLBACK_SECRET not in message


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://127.0.0.2", "http://app.localhost"],
)
def test_local_development_keeps_the_placeholders(url: str) -> None:
    assert is_local_url(url)
    loaded = settings(PUBLIC_BASE_URL=url)
    assert loaded.twilio_auth_token == SIMULATOR_AUTH_TOKEN


@pytest.mark.parametrize(
    "url", ["http://0.0.0.0:8000", "http://10.0.0.5:8000", "http://calls.internal", "http://web:8000", PUBLIC]
)
def test_anything_but_this_machine_is_not_local(url: str) -> None:
    assert not is_local_url(url)
    with pytest.raises(ConfigError, match="published placeholder"):
        settings(PUBLIC_BASE_URL=url)


def test_own_strong_secrets_start_anywhere() -> None:
    loaded = settings(PUBLIC_BASE_URL=PUBLIC, TWILIO_AUTH_TOKEN=TOKEN, CONTACT_INBOUND_CALLBACK_SECRET=SECRET)
    assert loaded.public_base_url == PUBLIC


# --- strength -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("short-but-real", "at least 32 characters"),
        ("a" * 40, "at least 8 different characters"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "at least 8 different characters"),
        ("correct horse battery staple 2026 ok", "without spaces"),
        (SIMULATOR_AUTH_TOKEN, "published placeholder"),
    ],
)
def test_a_weak_secret_is_refused_away_from_local_development(secret: str, reason: str) -> None:
    assert reason in (secret_problem(secret) or "")
    with pytest.raises(ConfigError, match=re.escape(reason)) as raised:
        settings(PUBLIC_BASE_URL=PUBLIC, TWILIO_AUTH_TOKEN=secret, CONTACT_INBOUND_CALLBACK_SECRET=SECRET)
    assert secret not in str(raised.value)


def test_a_real_twilio_token_shape_is_strong_enough() -> None:
    import secrets

    assert all(secret_problem(secrets.token_hex(16)) is None for _ in range(200))


# --- real Twilio needs a public https URL --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://calls.example.gov", "must be an https URL"),
        ("https://localhost", "not a public host name"),
        ("https://0.0.0.0", "not a publicly routable address"),
        ("https://[::1]", "not a publicly routable address"),
        ("https://127.0.0.1", "not a publicly routable address"),
        ("https://[::ffff:127.0.0.1]", "not a publicly routable address"),
        ("https://10.1.2.3", "not a publicly routable address"),
        ("https://172.16.0.9", "not a publicly routable address"),
        ("https://192.168.1.20", "not a publicly routable address"),
        ("https://169.254.169.254", "not a publicly routable address"),
        ("https://100.64.0.1", "not a publicly routable address"),
        ("https://[fd00::1]", "not a publicly routable address"),
        ("https://web:8443", "not a public host name"),
        ("https://127.1", "not a public host name"),
        ("https://calls.internal", "private or reserved name"),
        ("https://calls.corp.local", "private or reserved name"),
        ("https://calls.test", "private or reserved name"),
    ],
)
def test_real_twilio_refuses_a_url_it_could_not_reach(url: str, reason: str) -> None:
    assert reason in (public_url_problem(url) or "")
    with pytest.raises(ConfigError, match=re.escape(reason)):
        settings(
            CONTACT_TELEPHONY_PROVIDER="twilio",
            TWILIO_ACCOUNT_SID="AC" + "b" * 32,
            TWILIO_AUTH_TOKEN=TOKEN,
            CONTACT_INBOUND_CALLBACK_SECRET=SECRET,
            PUBLIC_BASE_URL=url,
        )


@pytest.mark.parametrize("url", [PUBLIC, "https://calls.example.gov:8443/base", "https://8.8.8.8"])
def test_real_twilio_accepts_a_public_https_url(url: str) -> None:
    assert public_url_problem(url) is None


def test_the_default_account_sid_has_twilios_shape() -> None:
    assert re.fullmatch(r"AC[0-9a-fA-F]{32}", settings().twilio_account_sid)
    with pytest.raises(ConfigError, match="32 hexadecimal digits"):
        settings(TWILIO_ACCOUNT_SID="ACdemo0000000000000000000000000000")


# --- passwords never shown -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "postgresql://contact:Hunter2-s3cret@db.internal:notaport/contact"),
        ("DATABASE_URL", "mysql://contact:Hunter2-s3cret@db.internal/contact"),
        ("DATABASE_URL", "postgres ql://contact:Hunter2-s3cret@db.internal/contact"),
        ("DATABASE_URL", "contact:Hunter2-s3cret@db.internal/contact"),
        ("REDIS_URL", "redis://:Hunter2-s3cret@cache:notaport/0"),
        ("REDIS_URL", "redis://default:Hunter2-s3cret@cache:6379/zero"),
        ("REDIS_URL", "http://user:Hunter2-s3cret@cache:6379/0"),
        ("PUBLIC_BASE_URL", "ftp://user:Hunter2-s3cret@calls.example.gov"),
    ],
)
def test_a_malformed_url_is_reported_with_its_password_masked(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable}=")
    assert "Hunter2" not in message and "s3cret" not in message
    assert ":***@" in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:p@ss/w@host:5432/db", "postgresql://u:***@host:5432/db"),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://hunter2@cache:6379/0", "redis://***@cache:6379/0"),
        ("rediss://u:x@h/0?password=zz&db=1", "rediss://u:***@h/0?password=***&db=1"),
        ("postgresql://user@host/db", "postgresql://user@host/db"),
        ("sqlite:///var/contact_service.db", "sqlite:///var/contact_service.db"),
    ],
)
def test_masked_url(url: str, shown: str) -> None:
    assert masked_url(url) == shown
