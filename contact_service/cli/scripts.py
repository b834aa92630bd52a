"""`contact-service scripts ...`: check and register call script templates."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from contact_service.cli import EXIT_INPUT_PROBLEMS, EXIT_OK, Context, cli, fail, pass_context
from contact_service.domain.script_guard import ScriptKind, Violation, check_template
from contact_service.services.call_scripts import ScriptRefused, parse_script_file, register_script

KINDS = click.Choice([kind.value for kind in ScriptKind])


@cli.group()
def scripts() -> None:
    """Call script templates: what an automated call may say."""


@scripts.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=KINDS, help="human (default) or voicemail; a '# kind: ...' line in the file also sets it.")
def check(file: Path, kind: str | None) -> None:
    """Check a script template; one line per violation, exit 1 if there is any."""
    body, script_kind = parse_script_file(_read(file), ScriptKind(kind) if kind else None)
    violations = check_template(body, script_kind)
    _print_violations(file, violations)
    if violations:
        click.echo(f"{file}: {len(violations)} violation(s); this {script_kind.value} script may not be used")
        sys.exit(EXIT_INPUT_PROBLEMS)
    click.echo(f"{file}: ok ({script_kind.value} script)")
    sys.exit(EXIT_OK)


@scripts.command()
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=KINDS, help="human (default) or voicemail.")
@click.option("--by", "created_by", default=None, help="Who registers it (default: the login name).")
@pass_context
def register(context: Context, name: str, file: Path, kind: str | None, created_by: str | None) -> None:
    """Register a template under NAME for campaigns to use; refused if the guard finds anything."""
    body, script_kind = parse_script_file(_read(file), ScriptKind(kind) if kind else None)
    container = context.container
    with container.sessions() as session:
        try:
            script = register_script(
                session, name, script_kind, body, created_by or getpass.getuser(), container.clock.now()
            )
        except ScriptRefused as refused:
            _print_violations(file, refused.violations)
            click.echo(f"{file}: refused, {len(refused.violations)} violation(s)")
            sys.exit(EXIT_INPUT_PROBLEMS)
        except ValueError as exc:
            fail(str(exc))
    click.echo(f"registered {script_kind.value} script {name!r} (id {script.id})")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read: {exc}")
    raise AssertionError  # unreachable: fail() exits


def _print_violations(file: Path, violations: list[Violation]) -> None:
    for violation in violations:
        click.echo(f"{file}:{violation.line}: {violation.rule}: {violation.message}")
