"""The `contact-service` command. Exit codes: 0 success, 1 the input had problems (reported; the good part
was processed), 2 unusable invocation or input."""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from contact_service.bootstrap import Container, bootstrap
from contact_service.config import ConfigError
from contact_service.domain.access import Actor, Role
from contact_service.domain.errors import NothingToDo, OutsideCallingWindow, ServiceError

EXIT_OK = 0
EXIT_INPUT_PROBLEMS = 1
EXIT_UNUSABLE = 2


class Context:
    """Lazily built container shared by the subcommands of one invocation."""

    def __init__(self) -> None:
        self._container: Container | None = None

    @property
    def container(self) -> Container:
        if self._container is None:
            try:
                container = bootstrap()
            except ConfigError as exc:
                fail(f"configuration error: {exc}")
            self._container = container
            level = container.settings.log_level
            logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            if level != "DEBUG":
                # Alembic narrates every migration step at INFO; commands print their own outcome.
                logging.getLogger("alembic").setLevel(logging.WARNING)
        return self._container


def fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def report_refusal(error: ServiceError) -> NoReturn:
    """The one mapping of a refused request to a line on stderr and an exit code (design 4): a request that
    was understood but cannot be met now exits 1; anything else the service refused exits 2."""
    if isinstance(error, OutsideCallingWindow):
        allowed = f"; the next allowed time is {error.next_allowed.isoformat()}" if error.next_allowed else ""
        fail(f"{error.message}{allowed}", EXIT_INPUT_PROBLEMS)
    fail(error.message, EXIT_INPUT_PROBLEMS if isinstance(error, NothingToDo) else EXIT_UNUSABLE)


class CommandGroup(click.Group):
    """The root command: every subcommand's refusal (a typed service error) is reported the same way."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; map a refusal to its message and exit code."""
        try:
            return super().invoke(ctx)
        except ServiceError as error:
            report_refusal(error)


pass_context = click.make_pass_decorator(Context, ensure=True)
Command = TypeVar("Command", bound=Callable[..., Any])


def acting(command: Command) -> Command:
    """Add `--as NAME` (default: the login name): who the audit trail says acted. The shell is trusted local
    administration, so the actor carries the supervisor role."""
    option = click.option(
        "--as",
        "acting_as",
        default=None,
        metavar="NAME",
        help="Who is acting, for the audit trail (default: your login name).",
    )
    return option(command)


def actor_named(name: str | None) -> Actor:
    """The actor a command acts as."""
    return Actor(name or getpass.getuser(), Role.SUPERVISOR)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """contact_service: compliant automated call campaigns for overdue tax cases."""


def main() -> None:
    """Console-script entry point."""
    from contact_service.cli import (  # noqa: F401  (registers subcommands)
        campaign,
        cases,
        db,
        demo,
        dispatcher,
        escalation,
        scheduler,
        scripts,
        simulator,
        tokens,
        worker,
    )

    cli(prog_name="contact-service")
