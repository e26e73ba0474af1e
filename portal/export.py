"""CSV exports: streamed a batch at a time, with every cell safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

from portal.text import reveal_bidi_controls

# a spreadsheet runs a cell as a formula when it starts with one of these (after any blanks)
FORMULA_STARTS = ("=", "+", "-", "@")
FLUSH_EVERY = 200


def _first_sign(text: str) -> str:
    """The first character that counts: blanks of any kind, line breaks, invisible characters
    or a separator in front do not stop a spreadsheet; neither does a full-width ＝, which NFKC
    (as some spreadsheets read it) turns into =."""
    for character in text:
        if character.isspace() or character in ";," or unicodedata.category(character) == "Cf":
            continue
        # NFKC leaves ASCII as it is: only other characters need it (an export has a million cells)
        return character if character < "\x80" else unicodedata.normalize("NFKC", character)[:1]
    return ""


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a quote in front of a risky start),
    with direction overrides shown as their codes rather than reordering the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if not text.isascii():
        text = reveal_bidi_controls(text)
    if text[:1] in ("\t", "\r", "\n") or _first_sign(text) in FORMULA_STARTS:
        return "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of a header and rows, produced a batch at a time, never whole in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    # the header goes out at once, so the download starts before the first query
    yield _drain(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % FLUSH_EVERY == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    """Take what has been written so far out of the buffer."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response:
    """A streamed CSV download."""
    return Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
