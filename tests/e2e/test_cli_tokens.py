"""`contact-service tokens create|revoke` as an administrator uses them: the token on stdout once, and one
audit record per command naming the `--as` actor (or the login name). Run in process through click's runner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.domain.access import Actor, Role
from contact_service.services import api_tokens
from tests.e2e.test_cli_cases import invoke
from tests.unit_of_work_support import audit_count, audit_rows

AS_ALICE = (["--as", "alice"], "alice")
AS_LOGIN = ([], "os-login-name")


def authenticates(engine: Engine, token: str) -> Actor | None:
    with Session(engine) as session:
        return api_tokens.authenticate(session, token)


@pytest.mark.parametrize(("options", "actor"), [AS_ALICE, AS_LOGIN])
def test_create_prints_the_token_once_and_leaves_one_audit_record(
    cli_env: dict[str, str], pg_engine: Engine, options: list[str], actor: str
) -> None:
    result = invoke(["tokens", "create", "rita", "--role", "representative", *options], cli_env)
    assert result.exit_code == 0, result.output
    [token] = result.stdout.split()
    assert authenticates(pg_engine, token) == Actor("rita", Role.REPRESENTATIVE)
    assert "cannot be shown again" in result.stderr and token not in result.stderr
    [record] = audit_rows(pg_engine)
    assert (record["actor"], record["role"], record["action"], json.loads(record["detail"])) == (
        actor,
        "supervisor",
        "token_issued",
        {"subject": "rita", "role": "representative"},
    )


@pytest.mark.parametrize(("options", "actor"), [AS_ALICE, AS_LOGIN])
def test_revoke_leaves_one_audit_record(
    cli_env: dict[str, str], pg_engine: Engine, options: list[str], actor: str
) -> None:
    token = invoke(["tokens", "create", "rita", "--role", "viewer"], cli_env).stdout.strip()
    before = audit_count(pg_engine)
    result = invoke(["tokens", "revoke", "rita", *options], cli_env)
    assert (result.exit_code, result.stdout.strip()) == (0, "revoked 1 token(s) of rita")
    assert authenticates(pg_engine, token) is None
    new = audit_rows(pg_engine)[before:]
    assert [(r["actor"], r["action"], json.loads(r["detail"])) for r in new] == [
        (actor, "tokens_revoked", {"subject": "rita", "count": 1})
    ]


def test_a_bad_subject_exits_2_naming_the_field_and_leaves_nothing(cli_env: dict[str, str], pg_engine: Engine) -> None:
    result = invoke(["tokens", "create", "no spaces", "--role", "viewer", "--as", "alice"], cli_env)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: subject: ")
    assert audit_count(pg_engine) == 0
