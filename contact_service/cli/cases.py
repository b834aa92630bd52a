"""`contact-service cases ...`: case intake."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from contact_service.adapters.db.case_store import CaseStore
from contact_service.cli import EXIT_INPUT_PROBLEMS, EXIT_OK, Context, cli, fail, pass_context
from contact_service.services.case_import import CaseFileError, ImportSummary, import_cases


@cli.group()
def cases() -> None:
    """Case intake commands."""


@cases.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the summary, not each rejected row.")
@pass_context
def import_command(context: Context, file: Path, quiet: bool) -> None:
    """Import (or update) cases from a CSV case file. Rejected rows are reported; good rows are kept."""
    try:
        handle = file.open("rb")
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}")
    container = context.container
    with handle, _Progress(file) as progress, CaseStore(container.engine) as store:
        try:
            summary = import_cases(
                handle,
                store,
                container.clock,
                source_name=str(file),
                batch_size=container.settings.import_batch_size,
                workers=container.settings.import_workers,
                on_rejection=None if quiet else (lambda rejection: click.echo(f"{file}: {rejection}")),
                on_progress=progress.update,
            )
        except CaseFileError as exc:
            fail(f"{file}: {exc}; nothing was imported")
    _print_summary(file, summary)
    sys.exit(EXIT_OK if summary.clean else EXIT_INPUT_PROBLEMS)


def _print_summary(file: Path, summary: ImportSummary) -> None:
    click.echo(
        f"{file}: {summary.rows_read} rows read, {summary.rows_imported} imported, {summary.rows_rejected} rejected"
    )


class _Progress:
    """A progress bar on a terminal; a line every 100,000 rows otherwise (logs of long runs)."""

    def __init__(self, file: Path) -> None:
        self._size = file.stat().st_size if file.exists() else 0
        self._bar = None
        self._bytes = 0
        self._next_line = 100_000

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty() and self._size > 1_000_000:
            self._bar = click.progressbar(length=self._size, label="importing", file=sys.stderr)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
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


