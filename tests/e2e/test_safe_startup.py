"""A process that would serve the world with a published secret does not start, and what it prints names the
problem without the secret or a password (the installed `contact-service` and the WSGI module, as deployed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import run_cli

PUBLISHED = ("simulator-auth-token", "local-inbound-callback-secret")


@pytest.fixture
def env() -> dict[str, str]:
    """The defaults, as a fresh clone has them (no CONTACT_ or TWILIO_ variables of the test run)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("PUBLIC_BASE_URL", None)
    clean.update(CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"), CONTACT_LOG_LEVEL="WARNING")
    return clean


def test_the_cli_refuses_a_public_url_with_the_published_secrets(env: dict[str, str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    env["PUBLIC_BASE_URL"] = "https://calls.example.gov"
    result = run_cli(["db", "current"], env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: configuration error: TWILIO_AUTH_TOKEN=*** is the published placeholder")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(secret in result.stdout + result.stderr for secret in PUBLISHED)


def test_the_web_app_does_not_start_with_a_public_url_and_the_published_secrets(env: dict[str, str]) -> None:
    env.update(PUBLIC_BASE_URL="https://calls.example.gov", TWILIO_AUTH_TOKEN="4c1f0e9a7b2d8e6f5a3c9b1d7e0f2a48")
    result = subprocess.run(
        [sys.executable, "-c", "import contact_service.wsgi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "CONTACT_INBOUND_CALLBACK_SECRET=*** is the published placeholder" in result.stderr
    assert not any(secret in result.stderr for secret in PUBLISHED)


def test_a_malformed_database_url_is_reported_without_its_password(env: dict[str, str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    env["DATABASE_URL"] = "postgresql://contact:Hunter2-s3cret@db.internal:notaport/contact"
    result = run_cli(["db", "current"], env, cwd=tmp_path)
    assert result.returncode == 2
    assert "DATABASE_URL='postgresql://contact:***@db.internal:notaport/contact'" in result.stderr
    assert "Hunter2" not in result.stdout + result.stderr


def test_the_simulator_will_not_listen_beyond_this_machine_with_the_published_token(env: dict[str, str]) -> None:
    result = run_cli(["simulator", "--host", "0.0.0.0", "--port", "0"], env, timeout=60)
    assert result.returncode == 2
    assert "published simulator auth token is for local development only" in result.stderr
    assert "simulator-auth-token" not in result.stderr
