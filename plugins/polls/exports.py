"""Exports of a poll: every submitted response as a row, and the summary, as CSV
(UTF-8 with a BOM so Excel reads the accents; comma-separated, quoted) or
XLSX (openpyxl in write-only mode, so memory stays flat).

Headers and level labels are in the poll's language, not the exporter's: the
file goes round the board with the poll. Responses are read in one streamed
statement (answers outer-joined to their responses, in response order), so
the number of statements does not grow with the number of responses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import groupby

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, select

from kringwerk.extensions import db
from kringwerk.members.models import Company, Theme
from plugins.polls.charts import format_number
from plugins.polls.models import (
    InterestLevel,
    Poll,
    PollAnswer,
    PollResponse,
    QuestionKind,
    ResponseStatus,
)
from plugins.polls.results import TEXT_KINDS, poll_questions, poll_results

Row = list[object]


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
    with force_locale(poll.language or "nl"):
        header: Row = [_("Response"), _("Submitted")]
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
        line: Row = [number, first[1].strftime("%Y-%m-%d %H:%M") if first[1] else ""]
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
    return value if value is not None else ""


def _num(value: float | None) -> object:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def write_csv(rows: Iterable[Row]) -> bytes:
    """UTF-8 with a byte-order mark (Excel otherwise guesses a legacy code page), comma, quoted."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _safe(cell: object) -> object:
    # A text starting with = + - @ is a formula to a spreadsheet: answers are typed
    # by strangers, so such text is prefixed with an apostrophe (CSV injection).
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


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
                if not isinstance(value, int | float | str):
                    value = str(value)
                if isinstance(value, str):
                    value = _safe(value)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet"
