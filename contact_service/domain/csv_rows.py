"""Reading a CSV case file row by row so that damage stays where it is: one broken line costs that line, never
the rows after it, and every line of the file is accounted for.

The file is read one physical line at a time (a line ends at \\n, \\r\\n or \\r, as the CSV format reads them),
never more than `max_line_chars` of it at once. A row is one line, or several when a quoted field holds line
breaks. So that an unclosed quote cannot swallow the rows after it, a quoted field may run on to further lines
only while none of them reads as a row of its own (as many separators as the header has columns, less one),
for at most `max_row_lines` lines and `max_row_chars` characters, and into a row of exactly the header's
width. When a quoted field breaks one of these rules, or the file ends inside it, the line it opened on is
reported alone and reading resumes on the very next line.

The accounting that follows, for the lines after the header (the data lines):

    data lines = rows + lines joined into rows by quoted line breaks + blank lines

where a blank line has no text in any cell (empty, spaces, or separators only), and every row is either
good or reported, with the line it starts on (and ends on, when it spans several).
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, TextIO


@dataclass(frozen=True)
class CsvLimits:
    """How large a case file's pieces may be before they count as damage rather than data."""

    max_line_chars: int = 65_536  # one physical line, its line break included (the header too)
    max_row_chars: int = 65_536  # one row, over all the lines a quoted field spans
    max_row_lines: int = 50  # lines one row may span through quoted line breaks
    max_columns: int = 1_000  # columns the header may name (the case file needs 12)


DEFAULT_LIMITS = CsvLimits()


class Row(NamedTuple):
    """One row of the file: the line it starts on and the line it ends on, and its cells or why it could not
    be read as a row (then `cells` is None)."""

    line: int
    end_line: int
    cells: list[str] | None
    problem: str | None


class UnusableHeader(Exception):
    """Why line 1 cannot be a header row."""


class _Damaged(Exception):
    """The row being read is structurally broken: its first line is refused alone (for `reason`), and the lines
    after it are read again as rows of their own. `line` is the line read when the damage showed, not yet part
    of the row (None when the damage showed at the end of a row or of the file)."""

    def __init__(self, reason: str, line: tuple[int, str | None] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _TooLong(Exception):
    """The line a row starts on is longer than the limit (it was skipped, not read)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class CsvRows:
    """The rows of a CSV text stream, with the line numbers and counts above. Read `header()` first, then
    iterate `rows(width)`; the counts are complete once the iteration ends."""

    def __init__(self, text: TextIO, limits: CsvLimits = DEFAULT_LIMITS) -> None:
        self._readline = text.readline
        self._limits = limits
        self._read_limit = limits.max_line_chars + 1
        self._lines_read = 0  # physical lines taken from the stream, the header's included
        self._header_lines = 0
        # Lines read but handed back: the rest of a row whose quoted field turned out to be damage.
        # An entry's text is None for a line too long to read.
        self._pending: deque[tuple[int, str | None]] = deque()
        self._current: list[tuple[int, str]] = []  # the lines of the row being read
        self._current_chars = 0
        self._width = 0
        self.blank_lines = 0
        self.joined_lines = 0

    @property
    def data_lines(self) -> int:
        """Physical lines read after the header."""
        return self._lines_read - self._header_lines

    def header(self) -> list[str]:
        """The header row's cells (line 1, which must be one line); UnusableHeader if it cannot be one. An
        absurd header (too long, too many columns) is refused after reading at most `max_line_chars`."""
        line = self._physical_line()
        self._header_lines = self._lines_read
        if line is None:
            raise UnusableHeader(
                f"line 1 is longer than {self._limits.max_line_chars:,} characters; it is not a case-file header"
            )
        if not line:
            raise UnusableHeader("the file is empty")
        # Counting separators first refuses a header of a million columns before the CSV reader builds them.
        if line.count(",") >= self._limits.max_columns:
            raise UnusableHeader(
                f"line 1 has more than {self._limits.max_columns:,} columns; it is not a case-file header"
            )
        try:
            cells = next(csv.reader([line], strict=True), [])
        except csv.Error as exc:
            raise UnusableHeader(f"line 1 is not readable as CSV ({exc})") from None
        if len(cells) > self._limits.max_columns:
            raise UnusableHeader(
                f"line 1 has more than {self._limits.max_columns:,} columns; it is not a case-file header"
            )
        return cells

    def rows(self, width: int) -> Iterator[Row]:
        """Every non-blank row after the header, good or damaged, in order; `width` is the header's."""
        self._width = width
        current = self._current
        reader = csv.reader(self._feed(), strict=True)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _TooLong as exc:
                yield Row(
                    exc.number, exc.number, None, f"is longer than {self._limits.max_line_chars:,} characters; not read"
                )
                reader = csv.reader(self._feed(), strict=True)
                continue
            except _Damaged as exc:
                yield self._refuse_first_line(exc.reason, exc.line)
                reader = csv.reader(self._feed(), strict=True)
                continue
            except csv.Error as exc:
                yield self._refuse_first_line(self._csv_error_reason(exc))
                reader = csv.reader(self._feed(), strict=True)
                continue
            if len(current) == 1:
                number = current[0][0]
                current.clear()
                if (cells and cells[0].strip()) or any(cell.strip() for cell in cells):
                    yield Row(number, number, cells, None)
                else:
                    self.blank_lines += 1
                continue
            if len(cells) != width:
                yield self._refuse_first_line(
                    f"opens a quoted field that runs to line {current[-1][0]} into a row of {len(cells)} fields "
                    f"(the header has {width}): an unbalanced quote? The line is refused alone"
                )
                reader = csv.reader(self._feed(), strict=True)
                continue
            first, last = current[0][0], current[-1][0]
            self.joined_lines += len(current) - 1
            current.clear()
            self._current_chars = 0
            yield Row(first, last, cells, None)

    def _feed(self) -> Iterator[str]:
        """Physical lines for the CSV reader, watching the row being read for the signs of an unclosed quote."""
        pending, current, limits = self._pending, self._current, self._limits
        readline, read_limit, max_line = self._readline, self._read_limit, limits.max_line_chars
        row_separators = self._width - 1
        while True:
            line: str | None
            if pending:
                number, line = pending.popleft()
            else:
                line = readline(read_limit)
                if not line:
                    return
                self._lines_read += 1
                number = self._lines_read
                if len(line) > max_line:
                    self._skip_rest_of_line(line)
                    line = None
            if current:  # the CSV reader is inside a quoted field that did not close on the lines before
                if line is None:
                    raise _Damaged(
                        f"opens a quoted field that runs into line {number}, a line longer than "
                        f"{max_line:,} characters: an unclosed quote? The line is refused alone",
                        (number, None),
                    )
                if line.count(",") >= row_separators:
                    raise _Damaged(
                        f"opens a quoted field that does not close before line {number}, which reads as a row "
                        "of its own: an unclosed quote? The line is refused alone",
                        (number, line),
                    )
                self._current_chars += len(line)
                if len(current) >= limits.max_row_lines or self._current_chars > limits.max_row_chars:
                    raise _Damaged(
                        f"opens a quoted field that runs past {limits.max_row_lines} lines or "
                        f"{limits.max_row_chars:,} characters: an unclosed quote? The line is refused alone",
                        (number, line),
                    )
            elif line is None:
                raise _TooLong(number)
            else:
                self._current_chars = len(line)
            current.append((number, line))
            yield line

    def _refuse_first_line(self, reason: str, next_line: tuple[int, str | None] | None = None) -> Row:
        """Refuse the first line of the row being read; its other lines go back to be read as rows."""
        current = self._current
        number = current[0][0]
        handed_back: list[tuple[int, str | None]] = [*current[1:]]
        if next_line is not None:
            handed_back.append(next_line)
        self._pending.extendleft(reversed(handed_back))
        current.clear()
        self._current_chars = 0
        return Row(number, number, None, reason)

    def _csv_error_reason(self, exc: csv.Error) -> str:
        if str(exc) == "unexpected end of data":
            return "opens a quoted field that the file ends inside: an unclosed quote? The line is refused alone"
        if len(self._current) > 1:
            return f"opens a quoted field that ends in something that is not CSV ({exc}); the line is refused alone"
        return f"is not readable as CSV ({exc})"

    def _physical_line(self) -> str | None:
        """The next line from the stream ('' at its end), or None for a line too long (skipped)."""
        line = self._readline(self._read_limit)
        if not line:
            return line
        self._lines_read += 1
        if len(line) > self._limits.max_line_chars:
            self._skip_rest_of_line(line)
            return None
        return line

    def _skip_rest_of_line(self, chunk: str) -> None:
        """Read past the end of a line too long to keep, one chunk at a time. A line break at the very end of a
        chunk may be a \\r\\n cut in two; the line read to find out, when it is not the \\n, is handed back."""
        readline, read_limit = self._readline, self._read_limit
        while True:
            while chunk[-1] not in "\r\n":
                chunk = readline(read_limit)
                if not chunk:
                    return
            if not (chunk[-1] == "\r" and len(chunk) == read_limit):
                return
            chunk = readline(read_limit)
            if not chunk or chunk == "\n":
                return
            self._lines_read += 1
            if len(chunk) <= self._limits.max_line_chars:
                self._pending.append((self._lines_read, chunk))
                return
            self._pending.append((self._lines_read, None))
