"""`contact-service scripts ...`: check and register call script templates."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from contact_service.cli import EXIT_INPUT_PROBLEMS, EXIT_OK, Context, acting, actor_named, cli, fail, pass_context
from contact_service.domain.script_guard import ScriptKind, Violation, check_template
from contact_service.services.call_scripts import parse_script_file
from contact_service.use_cases.scripts import register_script

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
@click.option("--by", "created_by", default=None, hidden=True, help="Older spelling of --as.")
@acting
@pass_context
def register(
    context: Context, name: str, file: Path, kind: str | None, created_by: str | None, acting_as: str | None
) -> None:
    """Register a template under NAME for campaigns to use; refused if the guard finds anything."""
    body, script_kind = parse_script_file(_read(file), ScriptKind(kind) if kind else None)
    # The guard runs here first so that a refusal is reported as `scripts check` reports it (one line per
    # violation, exit 1); the use case checks again before storing anything.
    violations = check_template(body, script_kind)
    if violations:
        _print_violations(file, violations)
        click.echo(f"{file}: refused, {len(violations)} violation(s)")
        sys.exit(EXIT_INPUT_PROBLEMS)
    container = context.container
    script = register_script(container.unit_of_work(), actor_named(acting_as or created_by), name, script_kind, body)
    click.echo(f"registered {script.kind.value} script {name!r} (id {script.id})")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read: {exc}")
    raise AssertionError  # unreachable: fail() exits


def _print_violations(file: Path, violations: list[Violation]) -> None:
    for violation in violations:
        click.echo(f"{file}:{violation.line}: {violation.rule}: {violation.message}")
