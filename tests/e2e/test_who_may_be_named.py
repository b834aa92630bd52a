"""Names that mean something: no token is issued under the name the service itself acts under (the audit trail
could not tell a person from the system), and a list is assigned only to a representative who exists — someone
holding a live representative token (read.people.is_representative, which user accounts will extend)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import contact_service.cli.escalation  # noqa: F401  (registers the call-list commands)
from contact_service.adapters.db.access_models import ApiToken
from contact_service.bootstrap import Container
from contact_service.config import load_settings
from contact_service.domain.access import CALL_CENTRE_PLATFORM, SYSTEM
from contact_service.web.app import build_app
from tests.conftest import TEST_REDIS_URL
from tests.e2e.test_cli_cases import invoke
from tests.unit_of_work_support import audit_count


def tokens(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ApiToken)) or 0


@pytest.mark.parametrize("name", [SYSTEM.name, CALL_CENTRE_PLATFORM.name, "Contact-Service", "system", "SYSTEM"])
def test_no_token_under_the_service_s_own_names(cli_env: dict[str, str], pg_engine: Engine, name: str) -> None:
    result = invoke(["tokens", "create", name, "--role", "supervisor"], cli_env)
    assert result.exit_code == 2
    assert "subject: is the name the service itself acts under" in result.stderr
    assert tokens(pg_engine) == 0 and audit_count(pg_engine) == 0


def test_a_person_s_name_still_gets_a_token(cli_env: dict[str, str], pg_engine: Engine) -> None:
    assert invoke(["tokens", "create", "contact-service-admin", "--role", "viewer"], cli_env).exit_code == 0
    assert tokens(pg_engine) == 1


@pytest.fixture
def api(pg_engine: Engine, redis_client):  # type: ignore[no-untyped-def]
    settings = load_settings(
        environ={},
        overrides={"database_url": pg_engine.url.render_as_string(hide_password=False), "redis_url": TEST_REDIS_URL},
    )
    container = Container(settings=settings)
    container.engine = pg_engine  # type: ignore[misc]
    return build_app(container=container).test_client()


def bearer(cli_env: dict[str, str], subject: str, role: str) -> dict[str, str]:
    result = invoke(["tokens", "create", subject, "--role", role], cli_env)
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.stdout.strip()}"}


def individual_list(api, supervisor: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    items = api.get("/api/v1/call-lists", headers=supervisor).json["items"]
    return next(item["id"] for item in items if item["segment"] == "individual")


def test_a_list_is_assigned_only_to_a_representative_who_exists(
    api, cli_env: dict[str, str], pg_engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    assert invoke(["escalate"], cli_env).exit_code == 0  # the sweep sets up the lists
    supervisor = bearer(cli_env, "sam", "supervisor")
    bearer(cli_env, "vic", "viewer")
    bearer(cli_env, "rex", "representative")
    assert invoke(["tokens", "revoke", "rex"], cli_env).exit_code == 0
    list_id = individual_list(api, supervisor)
    before = audit_count(pg_engine)
    for name in ("nobody", "vic", "rex", "sam"):  # unknown; a viewer; a revoked representative; a supervisor
        reply = api.post(f"/api/v1/call-lists/{list_id}/assign", json={"representative": name}, headers=supervisor)
        assert reply.status_code == 400, (name, reply.json)
        assert reply.json["error"]["field"] == "representative"
        assert "not a representative" in reply.json["error"]["message"]
    assert audit_count(pg_engine) == before
    assert all(item["assigned"] == [] for item in api.get("/api/v1/call-lists", headers=supervisor).json["items"])

    bearer(cli_env, "rita", "representative")
    reply = api.post(f"/api/v1/call-lists/{list_id}/assign", json={"representative": "rita"}, headers=supervisor)
    assert reply.status_code == 200
    assert "rita" in next(item["assigned"] for item in reply.json["items"] if item["id"] == list_id)


def test_the_shell_refuses_the_same_way(cli_env: dict[str, str]) -> None:
    result = invoke(["call-lists", "assign", "individual", "nobody"], cli_env)
    assert result.exit_code == 2
    assert "representative: is not a representative" in result.stderr


@pytest.mark.parametrize("name", [SYSTEM.name, CALL_CENTRE_PLATFORM.name, "System"])
def test_the_shell_cannot_act_under_the_service_s_own_names(
    cli_env: dict[str, str], pg_engine: Engine, name: str
) -> None:
    result = invoke(["tokens", "create", "rita", "--role", "viewer", "--as", name], cli_env)
    assert result.exit_code == 2
    assert "is a name the service itself acts under" in result.stderr
    assert tokens(pg_engine) == 0 and audit_count(pg_engine) == 0
