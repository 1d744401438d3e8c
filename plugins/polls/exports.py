"""Exports of a poll: every submitted response as a row, and the summary, as CSV
or XLSX (openpyxl in write-only mode, so memory stays flat).

The file is read in the board's spreadsheet, so its format follows the
tenant: a Dutch tenant's CSV is separated by ``;`` with decimal commas (Dutch
Excel opens a comma-separated file as one column), an English one by ``,``;
both UTF-8 with a BOM so Excel reads the accents. Times are the tenant's
(Europe/Amsterdam unless it says otherwise) and the header says so; XLSX holds
real dates, numbers and percentages with a number format. Rows carry typed
values (datetime, int, float, ``Percentage``, text) and the writers format them.

Answers are typed by strangers: every part of a text cell that a spreadsheet
could read as a formula (starting with = + - @, a tab or CR, at the start or
after a ``;``, ``,`` or line break, where Excel may split the cell) gets an
apostrophe before it.

The summary is small and downloads straight away. All responses can take
seconds (about 10 s for an XLSX of 10,000 responses), so they are written by a
background task into the tenant's export folder and downloaded from there for
``EXPORT_RETENTION``; ``prune_exports`` removes older files.

Headers and level labels are in the poll's language, not the exporter's: the
file goes round the board with the poll. Responses are read in one streamed
statement (answers outer-joined to their responses, in response order), so
the number of statements does not grow with the number of responses.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_decimal, format_percent
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, select

from kringwerk.plugin_api import (
    Company,
    Tenant,
    Theme,
    csv_bytes,
    db,
    formula_safe,
    record,
    start_task,
    utcnow,
)
from plugins.polls.charts import format_number
from plugins.polls.models import (
    InterestLevel,
    Poll,
    PollAnswer,
    PollResponse,
    QuestionKind,
    ResponseStatus,
)
from plugins.polls.results import TEXT_KINDS, poll_questions, poll_results, submitted_count

Row = list[object]
EXPORT_RETENTION = timedelta(days=1)
PROGRESS_EVERY = 500  # responses between progress reports
FILE_NAME = re.compile(r"^[0-9]+-[A-Za-z0-9_-]{8,64}\.(csv|xlsx)$")
TIME_FORMAT = "%Y-%m-%d %H:%M"


class Percentage(float):
    """A fraction shown as a percentage: "50%" in a CSV, 0.5 formatted 0.0% in XLSX."""


def file_language(poll: Poll) -> str:
    """The language of the board's spreadsheet: the tenant's (separator, decimals)."""
    tenant = db.session.get(Tenant, poll.tenant_id)
    return "en" if tenant is not None and tenant.default_locale == "en" else "nl"


def file_zone(poll: Poll) -> ZoneInfo:
    """The tenant's time zone, Europe/Amsterdam if it names none (or an unknown one)."""
    tenant = db.session.get(Tenant, poll.tenant_id)
    try:
        return ZoneInfo((tenant.timezone if tenant is not None else None) or "Europe/Amsterdam")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Amsterdam")


def _columns(poll: Poll, questions) -> list[tuple[object, object, str]]:
    """(question, theme option or None, header) per column after the fixed ones."""
    columns = []
    for question in questions:
        if question.kind == QuestionKind.THEME_INTEREST:
            for option in question.options:
                columns.append((question, option, f"{question.text}: {option.label}"))
        else:
            columns.append((question, None, question.text))
    return columns


def responses_rows(poll: Poll) -> Iterator[Row]:
    """A header, then one row per submitted response: number, submitted date, company
    (left out for anonymous polls), then a column per question (a column per theme
    for theme interest)."""
    questions = poll_questions(poll)
    options = {option.id: option for question in questions for option in question.options}
    columns = _columns(poll, questions)
    zone = file_zone(poll)
    with force_locale(poll.language or "nl"):
        # Anonymous responses are dated by the day only: a clock time would suggest a moment.
        submitted = _("Submitted (day)") if poll.anonymous else _("Submitted (%(zone)s)", zone=zone.key)
        header: Row = [_("Response"), submitted]
        if not poll.anonymous:
            header.append(_("Company"))
        level_labels = {level.value: str(level.label) for level in InterestLevel}
    yield header + [title for _q, _o, title in columns]

    company = Company.name if not poll.anonymous else None
    statement = (
        select(
            PollResponse.id,
            PollResponse.submitted_at,
            *([company] if company is not None else []),
            PollAnswer.question_id,
            PollAnswer.option_id,
            PollAnswer.value_number,
            PollAnswer.value_text,
        )
        .select_from(PollResponse)
        .outerjoin(
            PollAnswer,
            and_(PollAnswer.response_id == PollResponse.id, PollAnswer.tenant_id == PollResponse.tenant_id),
        )
        .where(PollResponse.poll_id == poll.id, PollResponse.status == ResponseStatus.SUBMITTED)
        .order_by(PollResponse.submitted_at, PollResponse.id)
        .execution_options(yield_per=1000)
    )
    if company is not None:
        statement = statement.outerjoin(
            Company, and_(Company.id == PollResponse.company_id, Company.tenant_id == PollResponse.tenant_id)
        )
    rows = db.session.execute(statement)
    for number, (_id, atoms) in enumerate(groupby(rows, key=lambda row: row[0]), start=1):
        atoms = list(atoms)
        first = atoms[0]
        moment = first[1].astimezone(zone) if first[1] else None
        line: Row = [number, "" if moment is None else moment.date() if poll.anonymous else moment]
        if company is not None:
            line.append(first[2] or "")
        by_question: dict[int, list] = {}
        for atom in atoms:
            question_id, option_id, value, text = atom[-4:]
            if question_id is not None:
                by_question.setdefault(question_id, []).append((option_id, value, text))
        for question, theme_option, _title in columns:
            line.append(
                _cell(question, theme_option, by_question.get(question.id, []), options, level_labels)
            )
        yield line


def _cell(question, theme_option, atoms, options, level_labels) -> object:
    kind = question.kind
    if not atoms:
        return ""
    if kind in TEXT_KINDS:
        return atoms[0][2] or ""
    if kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
        value = atoms[0][1]
        return (int(value) if float(value).is_integer() else value) if value is not None else ""
    if kind == QuestionKind.THEME_INTEREST:
        for option_id, value, _text in atoms:
            if option_id == theme_option.id and value is not None:
                return level_labels.get(int(value), "")
        return ""
    chosen = [(options[o], v) for o, v, _t in atoms if o in options]
    if kind == QuestionKind.RANKING:
        chosen.sort(key=lambda pair: (pair[1] is None, pair[1] or 0))
        return " > ".join(option.label for option, _v in chosen)
    chosen.sort(key=lambda pair: pair[0].position)
    if kind == QuestionKind.POINTS:
        return "; ".join(f"{option.label}: {format_number(value or 0)}" for option, value in chosen)
    return "; ".join(option.label for option, _v in chosen)


def summary_rows(poll: Poll) -> Iterator[Row]:
    """The results as a table: question, answer, count, percentage, average, in the poll's language."""
    themes = {}
    with force_locale(poll.language or "nl"):
        results = poll_results(poll)
        yield [_("Question"), _("Answer"), _("Count"), _("Percentage"), _("Average")]
        yield [_("Submitted responses"), "", results.submitted, "", ""]
        for rate in (results.rate, *results.by_park, *results.by_circle, *results.by_sector):
            yield [_("Response rate"), rate.label, rate.responded, _pct(rate.percent), ""]
        theme_ids = [o.option.theme_id for q in results.questions for o in q.options if o.option.theme_id]
        if theme_ids:
            themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)))}
        for item in results.questions:
            question, kind = item.question, item.question.kind
            if kind in TEXT_KINDS:
                yield [question.text, _("Answers"), item.answered, "", ""]
            elif kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
                yield [question.text, _("Answers"), item.answered, "", _num(item.average)]
                yield [question.text, _("Lowest"), "", "", _num(item.minimum)]
                yield [question.text, _("Highest"), "", "", _num(item.maximum)]
                for value, count, pct in item.distribution:
                    yield [question.text, str(value), count, _pct(pct), ""]
            elif kind == QuestionKind.THEME_INTEREST:
                for option in item.options:
                    theme = themes.get(option.option.theme_id)
                    name = (
                        (theme.name_en if poll.language == "en" else theme.name_nl) if theme else option.label
                    )
                    for level in InterestLevel:
                        yield [
                            question.text,
                            f"{name}: {level.label}",
                            option.levels.get(level.value, 0),
                            _pct(option.level_percent(level.value)),
                            "",
                        ]
            elif kind == QuestionKind.RANKING:
                for option in item.options:
                    yield [
                        question.text,
                        option.label,
                        option.first or 0,
                        _pct(option.first_percent),
                        _num(option.average),
                    ]
            elif kind == QuestionKind.POINTS:
                for option in item.options:
                    yield [
                        question.text,
                        option.label,
                        _num(option.total),
                        _pct(option.percent),
                        _num(option.average),
                    ]
            else:
                for option in item.options:
                    yield [question.text, option.label, option.count, _pct(option.percent), ""]


def _pct(value: float | None) -> object:
    # The results keep percentages as 0-100; the file holds the fraction, formatted as a percentage.
    return Percentage(value / 100) if value is not None else ""


def _num(value: float | None) -> object:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def write_csv(rows: Iterable[Row], language: str = "nl") -> bytes:
    """The tenant's spreadsheet format: ``;`` and decimal commas for Dutch, ``,`` and
    decimal points for English (``csv_bytes``)."""
    return csv_bytes(rows, language, cell=lambda cell: _csv_text(cell, language))


def _csv_text(cell: object, language: str) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Percentage):
        return format_percent(cell, "#,##0.#%", locale=language)
    if isinstance(cell, int):  # bool too
        return str(int(cell))
    if isinstance(cell, float):
        return format_decimal(cell, "0.##########", locale=language)
    if isinstance(cell, datetime):
        return cell.strftime(TIME_FORMAT)
    if isinstance(cell, date):
        return cell.isoformat()
    return formula_safe(str(cell))


def summary_file(poll: Poll, fmt: str) -> bytes:
    """The summary as ``fmt`` (csv or xlsx) in the tenant's format."""
    rows = list(summary_rows(poll))
    if fmt == "csv":
        return write_csv(rows, file_language(poll))
    with force_locale(poll.language or "nl"):
        title = _("Summary")
    return write_xlsx([(title, rows)])


def write_xlsx(sheets: Iterable[tuple[str, Iterable[Row]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=_sheet_title(title))
        for row in rows:
            cells = []
            for value in row:
                value = "" if value is None else value
                number_format = None
                if isinstance(value, datetime):
                    # Excel has no time zones: the tenant's local time, as the header says.
                    value, number_format = value.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    value, number_format = datetime.combine(value, time()), "yyyy-mm-dd"
                elif isinstance(value, Percentage):
                    value, number_format = float(value), "0.0%"
                elif not isinstance(value, int | float | str):
                    value = str(value)
                if isinstance(value, str):
                    value = formula_safe(value)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet"


# --- files of the responses export -------------------------------------------------------------


def export_folder(tenant_id: int) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "poll-exports" / str(tenant_id)


def start_responses_export(poll: Poll, fmt: str, *, actor):
    """Start writing all responses as ``fmt`` in a background task (returned) and record
    the export in the audit trail. The caller commits; the job starts then."""
    from plugins.polls.jobs import export_responses  # the jobs module imports this one

    total = submitted_count(poll)
    task = start_task(
        "polls.export",
        export_responses,
        poll.id,
        fmt,
        actor=actor,
        plugin="polls",
        total=total,
        message=ngettext("Exporting %(num)s response…", "Exporting %(num)s responses…", total),
    )
    record("poll.exported", actor=actor, target=poll, details={"export": "responses", "format": fmt})
    return task


def write_responses_file(
    poll: Poll, fmt: str, name: str, *, progress: Callable[[int], None] | None = None
) -> Path:
    """Write every submitted response of ``poll`` as ``fmt`` to ``name`` in the tenant's
    export folder; ``progress(responses written)`` every ``PROGRESS_EVERY`` responses."""
    # Read first: reporting progress commits, which would end a streamed cursor.
    rows = list(responses_rows(poll))

    def counted() -> Iterator[Row]:
        for number, row in enumerate(rows):  # row 0 is the header
            if progress is not None and number > 1 and (number - 1) % PROGRESS_EVERY == 0:
                progress(number - 1)
            yield row

    if fmt == "csv":
        data = write_csv(counted(), file_language(poll))
    else:
        with force_locale(poll.language or "nl"):
            title = _("Responses")
        data = write_xlsx([(title, counted())])
    folder = export_folder(poll.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)  # whole or not at all: a download never finds half a file
    return path


def export_file(tenant_id: int, name: str, now: datetime | None = None) -> Path | None:
    """The export file ``name`` of the tenant while it is kept, else None."""
    if not isinstance(name, str) or not FILE_NAME.match(name):
        return None
    path = export_folder(tenant_id) / name
    if not path.is_file() or _age(path, now) > EXPORT_RETENTION:
        return None
    return path


def prune_exports(tenant_id: int, now: datetime | None = None) -> int:
    """Delete the tenant's export files older than ``EXPORT_RETENTION``; returns how many."""
    folder = export_folder(tenant_id)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and _age(path, now) > EXPORT_RETENTION:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _age(path: Path, now: datetime | None) -> timedelta:
    moment = (now or utcnow()).timestamp()
    return timedelta(seconds=moment - path.stat().st_mtime)
