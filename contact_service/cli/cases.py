"""`contact-service cases ...`: case intake, as the `--as` actor (default: the login name), audited."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contact_service.cli import EXIT_INPUT_PROBLEMS, EXIT_OK, Context, acting, actor_named, cli, fail, pass_context
from contact_service.use_cases.cases import ImportSummary, import_cases

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@cli.group()
def cases() -> None:
    """Case intake commands."""


@cases.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the summary, not each rejected row.")
@acting
@pass_context
def import_command(context: Context, file: Path, quiet: bool, acting_as: str | None) -> None:
    """Import (or update) cases from a CSV case file. Rejected rows are reported; good rows are kept.

    An unusable file ("<file>: <why>; nothing was imported") exits 2 through the root command's refusal
    handling."""
    try:
        handle = file.open("rb")
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}")
    container = context.container
    with handle, _Progress(file) as progress, container.case_store() as store:
        summary = import_cases(
            container.unit_of_work(),
            actor_named(acting_as),
            handle,
            store,
            source_name=str(file),
            batch_size=container.settings.import_batch_size,
            batch_bytes=container.settings.import_batch_bytes,
            workers=container.settings.import_workers,
            on_rejection=None if quiet else (lambda rejection: click.echo(f"{file}: {rejection}")),
            on_progress=progress.update,
        )
    _print_summary(file, summary)
    sys.exit(EXIT_OK if summary.clean else EXIT_INPUT_PROBLEMS)


def _print_summary(file: Path, summary: ImportSummary) -> None:
    # The second half is the accounting an operator can check against the file: every line after the header
    # is in one row (a row spans several lines only where a quoted field holds line breaks) or is blank.
    click.echo(
        f"{file}: {summary.rows_read} rows read, {summary.rows_imported} imported, {summary.rows_rejected} rejected"
        f" ({summary.data_lines} data lines after the header = {summary.rows_read} rows"
        f" + {summary.joined_lines} continuing quoted fields + {summary.blank_lines} blank)"
    )


class _Progress:
    """A progress bar on a terminal; a line every 100,000 rows otherwise (logs of long runs)."""

    def __init__(self, file: Path) -> None:
        self._size = file.stat().st_size if file.exists() else 0
        self._bar: ProgressBar[int] | None = None
        self._bytes = 0
        self._next_line = 100_000

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty() and self._size > 1_000_000:
            self._bar = click.progressbar(length=self._size, label="importing", file=sys.stderr)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)

    def update(self, rows: int, bytes_read: int) -> None:
        if self._bar is not None:
            self._bar.update(bytes_read - self._bytes)
            self._bytes = bytes_read
        elif rows >= self._next_line:
            percent = f" ({100 * bytes_read // self._size}%)" if self._size else ""
            click.echo(f"... {rows} rows{percent}", err=True)
            self._next_line += 100_000
