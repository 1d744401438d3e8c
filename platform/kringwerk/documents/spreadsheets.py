"""CSV files a spreadsheet opens as the reader expects, and cells it never runs as formulas.

Dutch Excel splits on ``;`` and reads decimal commas; English on ``,``. Both need the
byte-order mark to read UTF-8 (accents) rather than a legacy code page. A text cell that
starts a formula (``=``, ``+``, ``-``, ``@``, tab, CR) at its start, or after a separator
Excel may split on, gets an apostrophe there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable

FORMULA_PART = re.compile(r"(^|[;,\n])( *)([=+\-@\t\r])")


def formula_safe(text: str) -> str:
    """``text`` with an apostrophe before every part a spreadsheet could run as a formula."""
    return FORMULA_PART.sub(r"\1\2'\3", text)


def _plain_cell(cell: object) -> str:
    return "" if cell is None else formula_safe(str(cell))


def csv_bytes(
    rows: Iterable[Iterable[object]], language: str = "nl", cell: Callable[[object], str] = _plain_cell
) -> bytes:
    """The rows as CSV for ``language``'s spreadsheet: UTF-8 with a BOM, ``;`` for Dutch
    and ``,`` for English, CRLF line ends; ``cell`` turns each value into its text."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter="," if language == "en" else ";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
