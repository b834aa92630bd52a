"""`contact-service tokens ...`: API bearer tokens, issued and revoked as the `--as` actor (default: the
login name), audited."""

from __future__ import annotations

import click

from contact_service.cli import Context, acting, actor_named, cli, pass_context
from contact_service.domain.access import Role
from contact_service.use_cases.access import issue_token, revoke_token


@cli.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("subject")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the token may do.")
@acting
@pass_context
def create_token(context: Context, subject: str, role: str, acting_as: str | None) -> None:
    """Issue a token for SUBJECT (a representative's or a system's name). It is shown once; only its hash is kept."""
    container = context.container
    issued = issue_token(container.unit_of_work(), actor_named(acting_as), subject, role)
    click.echo(issued.token)
    click.echo(f"token for {subject} ({role}); store it now: it cannot be shown again", err=True)


@tokens.command("revoke")
@click.argument("subject")
@acting
@pass_context
def revoke_tokens(context: Context, subject: str, acting_as: str | None) -> None:
    """Revoke every token of SUBJECT."""
    container = context.container
    count = revoke_token(container.unit_of_work(), actor_named(acting_as), subject)
    click.echo(f"revoked {count} token(s) of {subject}")
