"""How an export reads in the board's spreadsheet: in a Dutch tenant the CSV
is separated by ``;`` (Dutch Excel) with a BOM and decimal commas; times are
the tenant's (Europe/Amsterdam), labelled so; XLSX holds real dates and
numbers; and no part of a cell that Excel could read as a formula survives,
also where Dutch Excel would split the cell on ``;``. Tenant B's answers stay
out of tenant A's files.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from kringwerk.extensions import db
from plugins.polls import exports
from tests.plugins.polls.test_exports import export_responses
from tests.plugins.polls.test_results import SCALE5, SHORT, SINGLE, add_response, set_poll

pytestmark = pytest.mark.both_databases

EVIL = 'a;=HYPERLINK("http://evil","klik")'
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def dutch(polls_world, poll_id, b_poll_id):
    """Tenant A Dutch, one response in summer time with a formula hidden after a ';'."""
    pw = polls_world
    pw.a.tenant.default_locale = "nl"
    db.session.commit()
    set_poll(pw.a.tenant, poll_id, language="en")
    add_response(
        pw.a.tenant,
        poll_id,
        {SINGLE: "Ja", SCALE5: 4, SHORT: EVIL},
        company_id=pw.company_ids["Alpha Bouw BV"],
        at=datetime(2026, 7, 1, 10, 30, 15, tzinfo=UTC),
    )
    add_response(
        pw.a.tenant, poll_id, {SINGLE: "Nee", SCALE5: 3}, company_id=pw.company_ids["Bakkerij Berends"]
    )
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Ja", SHORT: "Bravo's geheim"}, company_id=pw.b_company_id)
    return pw


def no_formula_anywhere(cell: str) -> bool:
    # Excel may see the cell whole, or split on ';' (Dutch) or ',' (English): no part may start a formula.
    return not any(part.lstrip(" ").startswith(FORMULA) for part in re.split(r"[;,]", cell))


def test_a_dutch_tenant_gets_semicolons_a_bom_and_local_times(dutch, poll_id, client, login_as):
    login_as(dutch.a.admin)
    data = export_responses(client, poll_id, "csv").data
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    first_line = text.splitlines()[0]
    assert first_line.startswith("Response;Submitted (Europe/Amsterdam);Company;")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    first = dict(zip(header, rows[0], strict=True))
    assert first["Submitted (Europe/Amsterdam)"] == "2026-07-01 12:30"  # summer time, no seconds
    assert first["Wie is uw contactpersoon?"] != EVIL and no_formula_anywhere(
        first["Wie is uw contactpersoon?"]
    )
    assert "HYPERLINK" in first["Wie is uw contactpersoon?"]  # defused, not dropped
    assert "Bravo" not in text
    summary = client.get(f"/kring-a/polls/{poll_id}/results/export/summary.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(summary), delimiter=";"))
    assert ["Hoe tevreden bent u?", "Answers", "2", "", "3,5"] in rows  # a decimal comma
    assert ["Bent u lid van de kring?", "Ja", "1", "50%", ""] in rows


def test_every_cell_part_that_could_start_a_formula_is_defused():
    values = [EVIL, "=1+1", "x,@SUM(A1)", "ok; -2+3", "\t=cmd", "plain; text, fine", "-", 12, -3.5]
    data = exports.write_csv([values], language="nl").decode("utf-8-sig")
    [row] = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert all(no_formula_anywhere(cell) for cell in row[:6]), row
    assert row[5] == "plain; text, fine"  # harmless text is left as typed
    assert row[7:] == ["12", "-3,5"]  # numbers are numbers, with a decimal comma
    [english] = list(csv.reader(io.StringIO(exports.write_csv([values], language="en").decode("utf-8-sig"))))
    assert all(no_formula_anywhere(cell) for cell in english[:6]) and english[7:] == ["12", "-3.5"]


def test_xlsx_holds_real_local_datetimes_and_text_never_a_formula(dutch, poll_id, client, login_as):
    login_as(dutch.a.admin)
    workbook = load_workbook(io.BytesIO(export_responses(client, poll_id, "xlsx").data))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[1] == "Submitted (Europe/Amsterdam)"
    submitted = sheet.cell(row=2, column=2)
    assert submitted.value == datetime(2026, 7, 1, 12, 30, 15)  # a date Excel can sort and filter
    assert "yy" in submitted.number_format and "ss" not in submitted.number_format
    text = sheet.cell(row=2, column=header.index("Wie is uw contactpersoon?") + 1)
    assert text.data_type == "s" and no_formula_anywhere(text.value)
    summary = load_workbook(
        io.BytesIO(client.get(f"/kring-a/polls/{poll_id}/results/export/summary.xlsx").data)
    ).active
    percent = next(row for row in summary.iter_rows() if row[1].value == "Ja")[3]
    assert percent.value == 0.5 and percent.number_format.endswith("%")


def test_an_anonymous_poll_exports_only_the_day(dutch, poll_id, client, login_as):
    # Anonymous responses are dated by the day: a local clock time would suggest an exact moment.
    set_poll(dutch.a.tenant, poll_id, anonymous=True)
    login_as(dutch.a.admin)
    text = export_responses(client, poll_id, "csv").data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:2] == ["Response", "Submitted (day)"]
    assert rows[0][1] == "2026-07-01"
    sheet = load_workbook(io.BytesIO(export_responses(client, poll_id, "xlsx").data)).active
    day = sheet.cell(row=2, column=2)
    assert day.value == datetime(2026, 7, 1) and "h" not in day.number_format
