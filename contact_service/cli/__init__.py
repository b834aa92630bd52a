"""The `contact-service` command. Exit codes: 0 success, 1 the input had problems (reported; the good part
was processed), 2 unusable invocation or input."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from contact_service.adapters.db import migrate
from contact_service.adapters.log_setup import configure_logging
from contact_service.bootstrap import Container, bootstrap
from contact_service.config import ConfigError, Settings
from contact_service.domain.access import Actor, Role, is_system_name
from contact_service.domain.errors import NothingToDo, OutsideCallingWindow, ServiceError

EXIT_OK = 0
EXIT_INPUT_PROBLEMS = 1
EXIT_UNUSABLE = 2
# Commands that work on a database without the schema: they create it, report it, or use none of ours.
WITHOUT_SCHEMA = frozenset({"db upgrade", "db current", "demo", "simulator", "scripts check"})


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
            if _command_name() not in WITHOUT_SCHEMA:
                require_schema(container)
            self._container = container
            # One set-up for every process (libraries at WARNING, numbers masked); Alembic's narration of
            # every migration step stays below it too: commands print their own outcome.
            configure_logging(container.settings.log_level)
        return self._container

    def settings_if_loaded(self) -> Settings | None:
        """The settings, when a subcommand has loaded them (for error messages)."""
        return self._container.settings if self._container else None


def _command_name() -> str:
    """The running subcommand as typed after the program name ("cases import"), or "" outside click."""
    ctx = click.get_current_context(silent=True)
    return " ".join(ctx.command_path.split()[1:]) if ctx else ""


def masked_url(url: str) -> str:
    """`url` with its password shown as ***, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a URL that cannot be parsed)"


def require_schema(container: Container) -> None:
    """Stop with one line (exit 2) when the database is missing, unreachable or not upgraded to this code."""
    url = container.settings.database_url
    missing = migrate.missing_sqlite_file(url)
    if missing is not None:
        # Checked before connecting: SQLite would create the file, empty, on connect.
        fail(f"no database at {missing}: run `contact-service db upgrade` to create it")
    try:
        problem = migrate.schema_problem(container.engine)
    except migrate.DatabaseUnreachable as exc:
        fail(f"cannot reach the database at {masked_url(url)}: {exc}")
    if problem:
        fail(f"the database at {masked_url(url)} {problem}: run `contact-service db upgrade`")


def require_redis(container: Container) -> None:
    """Stop with one line (exit 2) when Redis does not answer."""
    try:
        container.redis.ping()
    except RedisError as exc:
        fail(f"cannot reach Redis at {masked_url(container.settings.redis_url)}: {migrate.first_line(exc)}")


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
        except (RedisConnectionError, RedisTimeoutError) as exc:
            # A server that went away during the command: one line, never a traceback.
            settings = ctx.ensure_object(Context).settings_if_loaded()
            where = f" at {masked_url(settings.redis_url)}" if settings else ""
            fail(f"cannot reach Redis{where}: {migrate.first_line(exc)}")
        except OperationalError as exc:
            settings = ctx.ensure_object(Context).settings_if_loaded()
            where = f" at {masked_url(settings.database_url)}" if settings else ""
            fail(f"database unavailable{where}: {migrate.first_line(exc.orig)}")


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
    """The actor a command acts as; never one of the service's own names (the audit trail must tell them apart)."""
    chosen = name or getpass.getuser()
    if is_system_name(chosen):
        fail(f"--as: {chosen!r} is a name the service itself acts under; give a person's name")
    return Actor(chosen, Role.SUPERVISOR)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """contact_service: compliant automated call campaigns for overdue tax cases."""
    ctx.ensure_object(Context)  # one Context for the whole invocation, so errors can name the URLs it used


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
