"""Fixtures for the API tests: an app on the test PostgreSQL database, and tokens of each role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.services import api_tokens
from contact_service.web.app import build_app
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL

INBOUND_SECRET = "test-inbound-callback-secret-0123456789"  # strong enough for any PUBLIC_BASE_URL


@pytest.fixture
def api_container(pg_engine: Engine, redis_client) -> Container:  # type: ignore[no-untyped-def]
    """A container on the test databases with a stopped clock (Tuesday 14:00 in New York)."""
    settings = load_settings(
        environ={},
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "inbound_callback_secret": INBOUND_SECRET,
        },
    )
    container = Container(settings=settings, clock=FixedClock(DEFAULT_NOW))
    container.engine = pg_engine  # type: ignore[misc]
    return container


@pytest.fixture
def api_client(api_container: Container):  # type: ignore[no-untyped-def]
    """A Flask test client of the app."""
    return build_app(container=api_container).test_client()


@pytest.fixture
def token_for(api_container: Container) -> Callable[[str, str], dict[str, str]]:
    """Issue a token and return the Authorization header that carries it. A fixture, not an action: it goes
    through the token service directly and leaves no audit record, so a test may count audit records around
    an API call whose token it makes inline."""

    def issue(role: str, subject: str = "") -> dict[str, str]:
        with api_container.sessions() as session:
            issued = api_tokens.issue(session, subject or f"{role}-user", role, DEFAULT_NOW)
            session.commit()
        return {"Authorization": f"Bearer {issued.token}"}

    return issue
