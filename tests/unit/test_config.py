"""Configuration: defaults, environment overrides, and a clear message naming any bad setting."""

import re
from pathlib import Path

import pytest

from contact_service.config import REPO_CONFIG_DIR, ConfigError, env_name, load_settings

STRONG_TOKEN = "4c1f0e9a7b2d8e6f5a3c9b1d7e0f2a48"  # shaped like a Twilio auth token: 32 hex digits
STRONG_SECRET = "b7e1c9d04f3a8e2b6d5c1f9a0e7b3d2c"


def test_defaults_run_locally_with_no_setup() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite:///var/contact_service.db"
    assert settings.redis_url.startswith("redis://")
    assert settings.public_base_url == "http://127.0.0.1:8000"


def test_conventional_and_contact_variables_override_defaults() -> None:
    settings = load_settings(
        environ={
            "DATABASE_URL": "postgresql://postgres@db/contact",
            "REDIS_URL": "redis://cache:6379/2",
            "PUBLIC_BASE_URL": "https://calls.example.gov/",
            "CONTACT_IMPORT_BATCH_SIZE": "250",
            # A service reachable from elsewhere needs secrets of its own (tests/unit/test_safe_defaults.py).
            "TWILIO_AUTH_TOKEN": STRONG_TOKEN,
            "CONTACT_INBOUND_CALLBACK_SECRET": STRONG_SECRET,
        }
    )
    assert settings.database_url == "postgresql://postgres@db/contact"
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.public_base_url == "https://calls.example.gov"
    assert settings.import_batch_size == 250


def test_an_empty_variable_leaves_the_default() -> None:
    assert load_settings(environ={"DATABASE_URL": ""}).database_url.startswith("sqlite")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CONTACT_IMPORT_BATCH_SIZE", "lots", "CONTACT_IMPORT_BATCH_SIZE='lots' (environment variable"),
        ("CONTACT_IMPORT_BATCH_SIZE", "0", "must be a positive integer"),
        ("DATABASE_URL", "mysql://root@localhost/db", "supported are sqlite and postgresql"),
        ("DATABASE_URL", "not a url", "is not a database URL"),
        ("PUBLIC_BASE_URL", "calls.example.gov", "must be an absolute http(s) URL"),
        ("REDIS_URL", "localhost:6379", "must be a redis://"),
        ("CONTACT_LOG_LEVEL", "LOUD", "must be one of DEBUG"),
    ],
)
def test_a_bad_setting_is_named_with_its_source(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_settings(environ={variable: value})
    assert variable in str(raised.value)


def test_unknown_keys_in_the_defaults_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "defaults.toml").write_text('database_url = "sqlite:///x.db"\ndatabse_url = "typo"\n')
    with pytest.raises(ConfigError, match=r"unknown setting.*databse_url"):
        load_settings(environ={"CONTACT_CONFIG_DIR": str(tmp_path)})


def test_env_names() -> None:
    assert env_name("database_url") == "DATABASE_URL"
    assert env_name("import_batch_size") == "CONTACT_IMPORT_BATCH_SIZE"


def test_the_auth_token_is_never_shown_in_errors_or_reprs() -> None:
    settings = load_settings(environ={"TWILIO_AUTH_TOKEN": "s3cret-token-value"})
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"TWILIO_AUTH_TOKEN": " "})
    assert "TWILIO_AUTH_TOKEN=***" in str(raised.value)


def test_real_twilio_refuses_the_simulator_placeholders() -> None:
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_settings(environ={"CONTACT_TELEPHONY_PROVIDER": "twilio"})
    with pytest.raises(ConfigError, match="CONTACT_INBOUND_CALLBACK_SECRET"):
        load_settings(
            environ={
                "CONTACT_TELEPHONY_PROVIDER": "twilio",
                "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
                "TWILIO_AUTH_TOKEN": "real",
            }
        )
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_settings(
            environ={
                "CONTACT_TELEPHONY_PROVIDER": "twilio",
                "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
                "TWILIO_AUTH_TOKEN": "real",
                "CONTACT_INBOUND_CALLBACK_SECRET": "a-real-shared-secret-value",
            }
        )
    settings = load_settings(
        environ={
            "CONTACT_TELEPHONY_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
            "TWILIO_AUTH_TOKEN": STRONG_TOKEN,
            "CONTACT_INBOUND_CALLBACK_SECRET": STRONG_SECRET,
            "PUBLIC_BASE_URL": "https://calls.example.gov",
        }
    )
    assert settings.telephony_provider == "twilio"


def test_passport_thresholds_default_to_the_published_years_only() -> None:
    assert load_settings(environ={}).passport_certification_thresholds == ((2024, 62000), (2025, 64000))


def test_passport_thresholds_from_the_environment_and_overrides() -> None:
    variable = env_name("passport_certification_thresholds")
    assert variable == "CONTACT_PASSPORT_CERTIFICATION_THRESHOLDS"
    settings = load_settings(environ={variable: " 2026=66000, 2024=62000,2025=64000 "})
    assert settings.passport_certification_thresholds == ((2024, 62000), (2025, 64000), (2026, 66000))
    settings = load_settings(environ={}, overrides={"passport_certification_thresholds": {"2025": 64000, 2026: 66000}})
    assert settings.passport_certification_thresholds == ((2025, 64000), (2026, 66000))


def test_passport_thresholds_from_the_defaults_file(tmp_path: Path) -> None:
    defaults = (REPO_CONFIG_DIR / "defaults.toml").read_text()
    (tmp_path / "defaults.toml").write_text(
        defaults.replace("{ 2024 = 62000, 2025 = 64000 }", "{ 2024 = 62000, 2025 = 64000, 2026 = 66000 }")
    )
    settings = load_settings(environ={"CONTACT_CONFIG_DIR": str(tmp_path)})
    assert dict(settings.passport_certification_thresholds)[2026] == 66000


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026", "'2026' has no amount"),
        ("2026=sixty", "2026: 'sixty' is not a positive whole number of dollars"),
        ("2026=66000.50", "is not a positive whole number of dollars"),
        ("2026=0", "is not a positive whole number of dollars"),
        ("2026=-1", "is not a positive whole number of dollars"),
        ("26=66000", "'26' is not a year"),
        ("2026=66000,2026=67000", "2026 is given twice"),
    ],
)
def test_a_bad_passport_threshold_is_refused_naming_the_setting(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_settings(environ={"CONTACT_PASSPORT_CERTIFICATION_THRESHOLDS": value})
    assert "CONTACT_PASSPORT_CERTIFICATION_THRESHOLDS" in str(raised.value)
    assert "YEAR=DOLLARS" in str(raised.value) or "twice" in str(raised.value)


@pytest.mark.parametrize("table", [{"2026": 66000.5}, {"2026": True}, {"next": 66000}])
def test_a_bad_passport_threshold_table_is_refused(table: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=r"CONTACT_PASSPORT_CERTIFICATION_THRESHOLDS=.*override"):
        load_settings(environ={}, overrides={"passport_certification_thresholds": table})


def test_the_container_builds_enforcement_thresholds_in_cents() -> None:
    from contact_service.bootstrap import Container

    settings = load_settings(environ={"CONTACT_PASSPORT_CERTIFICATION_THRESHOLDS": "2025=64000,2026=66000"})
    thresholds = Container(settings=settings).enforcement_thresholds
    assert dict(thresholds.passport_by_year) == {2025: 6_400_000, 2026: 6_600_000}
    assert thresholds.lien_min_cents == 1_000_000 and thresholds.levy_days_after_lt11 == 30


def test_an_inbound_callback_secret_too_short_to_be_a_secret_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"CONTACT_INBOUND_CALLBACK_SECRET": "short"})
    assert "CONTACT_INBOUND_CALLBACK_SECRET=***" in str(raised.value)
    assert "short" not in str(raised.value)
