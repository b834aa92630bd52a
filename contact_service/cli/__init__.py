"""The `contact-service` command. Exit codes: 0 success, 1 the input had problems (reported; the good part
was processed), 2 unusable invocation or input."""

from __future__ import annotations

import logging
import sys

import click

from contact_service.bootstrap import Container, bootstrap
from contact_service.config import ConfigError

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
                self._container = bootstrap()
            except ConfigError as exc:
                fail(f"configuration error: {exc}")
            level = self._container.settings.log_level
            logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            if level != "DEBUG":
                # Alembic narrates every migration step at INFO; commands print their own outcome.
                logging.getLogger("alembic").setLevel(logging.WARNING)
        return self._container


def fail(message: str, code: int = EXIT_UNUSABLE) -> None:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """contact_service: compliant automated call campaigns for overdue tax cases."""


def main() -> None:
    """Console-script entry point."""
    from contact_service.cli import (  # noqa: F401  (registers subcommands)
        campaign, cases, db, demo, dispatcher, escalation, scheduler, scripts, simulator, worker,
    )

    cli(prog_name="contact-service")
