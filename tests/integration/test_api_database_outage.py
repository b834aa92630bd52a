"""The web process while the database is away: every request gets 503 at once, and the log says so once (then
once a minute with how many were refused), not once per request."""

from __future__ import annotations

import logging

import pytest

from contact_service.bootstrap import Container
from contact_service.config import load_settings
from contact_service.web.app import build_app
from tests.conftest import TEST_REDIS_URL

TOKEN = {"Authorization": "Bearer cs_0123456789abcdef0123456789abcdef0123456789ab"}


def test_an_outage_is_one_log_line_not_one_per_request(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        environ={},
        overrides={
            "database_url": "postgresql://contact:s3cret@127.0.0.1:1/contact_service",
            "redis_url": TEST_REDIS_URL,
        },
    )
    client = build_app(container=Container(settings=settings)).test_client()
    with caplog.at_level(logging.INFO):
        replies = [client.get("/api/v1/campaigns", headers=TOKEN) for _ in range(20)]
    assert [reply.status_code for reply in replies] == [503] * 20
    assert replies[0].json["error"]["message"] == "the database is unavailable; try again shortly"
    said = [record for record in caplog.records if "database unavailable" in record.getMessage()]
    assert len(said) == 1, [record.getMessage() for record in said]
    assert "s3cret" not in caplog.text and "\n" not in said[0].getMessage()
