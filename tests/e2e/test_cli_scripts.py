"""`contact-service scripts check|register` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from contact_service.adapters.db.models import CallScript
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import run_cli

CORPUS = REPO_ROOT / "tests" / "data" / "scripts"


def test_check_prints_one_line_per_violation_and_exits_1(cli_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "scam.txt"
    script.write_text(
        "This is officer Smith from the IRS.\n"
        "A warrant has been issued. Pay $4,512.33 in iTunes gift cards within 24 hours.\n"
        "Call 1-888-555-0199.\n"
    )
    result = run_cli(["scripts", "check", str(script)], cli_env)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    rules = {line.split(": ")[1] for line in lines[:-1]}
    assert {"threat", "payment_method", "amount", "deadline", "other_number", "missing_official_number"} <= rules
    assert all(line.startswith(f"{script}:") for line in lines)
    assert lines[-1].endswith("this human script may not be used")


def test_check_accepts_the_warning_sentence_and_exits_0(cli_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "good.txt"
    script.write_text(
        "Hello {name}. This is the Internal Revenue Service, the IRS. Please call us back at 1-800-829-1040.\n"
        "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency.\n"
    )
    result = run_cli(["scripts", "check", str(script)], cli_env)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == f"{script}: ok (human script)"


def test_check_reads_the_kind_from_the_file_and_holds_voicemail_to_the_stricter_rule(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "voicemail.txt"
    script.write_text(
        "# kind: voicemail\nThis message is for {name} from the IRS about your tax balance. Call 1-800-829-1040.\n"
    )
    result = run_cli(["scripts", "check", str(script)], cli_env)
    assert result.returncode == 1
    assert f"{script}:2: voicemail_detail" in result.stdout


def test_check_of_an_unreadable_file_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(["scripts", "check", str(tmp_path / "missing.txt")], cli_env)
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_register_stores_a_clean_script_and_refuses_a_bad_one(cli_env: dict[str, str], pg_engine: Engine) -> None:
    good = sorted((CORPUS / "good").glob("*.txt"))[0]
    bad = sorted((CORPUS / "bad").glob("*.txt"))[0]
    assert run_cli(["scripts", "register", "spring", str(good), "--by", "ops1"], cli_env).returncode == 0
    refused = run_cli(["scripts", "register", "scam", str(bad), "--by", "ops1"], cli_env)
    assert refused.returncode == 1 and "refused" in refused.stdout
    again = run_cli(["scripts", "register", "spring", str(good)], cli_env)
    assert again.returncode == 2 and "already exists" in again.stderr
    with pg_engine.connect() as connection:
        assert connection.execute(select(CallScript.name, CallScript.created_by)).all() == [("spring", "ops1")]
