"""Schemathesis against /api/v1/openapi.json: generated requests to every operation, on real PostgreSQL.

Every response must match the document (status code, content type, body schema, headers) and none may be a
5xx. `positive_data_acceptance` is left out on purpose: some rules cannot be written in JSON Schema (a
minimum above the maximum, an unknown state code, a campaign name already taken, a callback outside the
calling window) and are refused with a documented 4xx that names the field.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.orm import Session

from contact_service.domain.escalation import DEFAULT_GRACE
from contact_service.services import api_tokens
from contact_service.web.app import build_app
from tests import call_list_support
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case


@pytest.fixture
def api_schema(api_container, pg_engine):  # type: ignore[no-untyped-def]
    """The app's own OpenAPI document, over a database with a few cases, a campaign and listed cases."""
    with Session(pg_engine) as session:
        campaign = make_campaign(session, "seeded", launched_at=DEFAULT_NOW - dt.timedelta(days=20))
        for number in range(1, 4):
            case = make_case(session, case_number=f"SCHEMA-{number}", phone=f"(212) 555-01{number:02d}")
            end_in_campaign(session, campaign, case, "exhausted", closed_at=DEFAULT_NOW - dt.timedelta(days=12))
        session.commit()
        call_list_support.sweep(session, DEFAULT_NOW, DEFAULT_GRACE)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", build_app(container=api_container))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_matches_its_document_and_never_fails_with_5xx(case, api_container) -> None:  # type: ignore[no-untyped-def]
    with api_container.sessions() as session:
        token = api_tokens.issue(session, "schema-supervisor", "supervisor", DEFAULT_NOW).token
        session.commit()
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance])
