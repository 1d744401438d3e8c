"""Exports of a poll's responses and summary: CSV parsed back with the csv module,
XLSX read back with openpyxl, labels in the poll's language, no names for
anonymous polls, formulas defused, a bounded number of statements, the board
only, an audit entry, and 404 for tenant B and for an unknown format.

All responses are written by a background task (in-process here, as without
Redis): the tests start it, find the download link on the results page and
fetch the file; the file is kept for a day and then pruned.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time

import pytest
from openpyxl import load_workbook

from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from plugins.polls import exports
from plugins.polls.models import PollResponse
from tests.members.support import audit_actions, count_queries, last_audit
from tests.plugins.polls.test_results import (
    LONG,
    MULTIPLE,
    NUMBER,
    POINTS,
    RANKING,
    SCALE5,
    SHORT,
    SINGLE,
    THEMES,
    add_response,
    load,
    set_poll,
)

# The aggregates are plain SQL: run them on both databases.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def answered(polls_world, poll_id, b_poll_id):
    pw = polls_world
    set_poll(pw.a.tenant, poll_id, language="en")
    add_response(
        pw.a.tenant,
        poll_id,
        {
            SINGLE: "Ja",
            MULTIPLE: ["Laadpalen", "Glasvezel"],
            SCALE5: 4,
            NUMBER: 12,
            SHORT: '=HYPERLINK("http://evil")',
            LONG: 'Samen, "sterk"\nop twee regels',
            RANKING: ["Groen", "Veiligheid", "Energie"],
            POINTS: {"Wegen": 50, "Groen": 30, "Verlichting": 20},
            THEMES: [2, 1, 0],
        },
        company_id=pw.company_ids["Alpha Bouw BV"],
    )
    add_response(
        pw.a.tenant,
        poll_id,
        {SINGLE: "Nee", SCALE5: 2, THEMES: [1, None, None]},
        company_id=pw.company_ids["Bakkerij Berends"],
    )
    add_response(pw.b.tenant, b_poll_id, {SINGLE: "Ja"}, company_id=pw.b_company_id)
    return pw


def export_responses(client, poll_id: int, fmt: str):
    """Start the responses export, follow to the results page and download the finished file."""
    started = client.post(f"/kring-a/polls/{poll_id}/results/export/responses.{fmt}")
    assert started.status_code == 303, started.status_code
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(rf'href="(/kring-a/polls/{poll_id}/results/exports/[0-9]+)"', page)
    assert link, "the results page links to the finished export"
    return client.get(link.group(1))


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_responses_csv_has_a_row_per_response_in_readable_form(answered, poll_id, client, login_as):
    login_as(answered.a.admin)
    response = export_responses(client, poll_id, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = parse_csv(response.data)
    assert header[:3] == ["Response", "Submitted (Europe/Amsterdam)", "Company"]
    assert len(rows) == 2
    first = dict(zip(header, rows[0], strict=True))
    assert first["Response"] == "1" and first["Company"] == "Alpha Bouw BV"
    assert first["Bent u lid van de kring?"] == "Ja"
    assert first["Welke voorzieningen mist u?"] == "Glasvezel; Laadpalen"  # in the options' order
    assert first["Hoe tevreden bent u?"] == "4"
    assert first["Hoeveel parkeerplaatsen heeft u?"] == "12"
    assert first["Waarom bent u lid?"] == 'Samen, "sterk"\nop twee regels'  # quoting survives
    assert first["Wie is uw contactpersoon?"].startswith("'=")  # a formula is defused
    assert first["Rangschik de prioriteiten"] == "Groen > Veiligheid > Energie"
    assert first["Verdeel 100 punten"] == "Wegen: 50; Groen: 30; Verlichting: 20"
    theme_columns = [name for name in header if name.startswith("Op welke thema's wilt u samenwerken?: ")]
    assert len(theme_columns) == 3  # one column per theme
    assert [first[c] for c in theme_columns] == [
        "Willing to take the lead",
        "Interested in cooperating",
        "Not interested",
    ]
    second = dict(zip(header, rows[1], strict=True))
    assert second["Company"] == "Bakkerij Berends"
    assert [second[c] for c in theme_columns] == ["Interested in cooperating", "", ""]
    assert second["Rangschik de prioriteiten"] == ""
    assert "Bravo" not in response.data.decode("utf-8-sig")
    entry = last_audit(answered.a.tenant)
    assert (entry.action, entry.details) == ("poll.exported", {"export": "responses", "format": "csv"})


def test_responses_xlsx_reads_back_with_openpyxl(answered, poll_id, client, login_as):
    login_as(answered.a.facilitator)
    response = export_responses(client, poll_id, "xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["Response", "Submitted (Europe/Amsterdam)", "Company"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["Company"] == "Alpha Bouw BV"
    assert first["Hoe tevreden bent u?"] == 4  # numbers stay numbers
    assert first["Rangschik de prioriteiten"] == "Groen > Veiligheid > Energie"
    assert first["Wie is uw contactpersoon?"].startswith("'=")  # text, never a formula
    assert len(rows) == 3


def test_summary_csv_and_xlsx(answered, poll_id, client, login_as):
    login_as(answered.a.admin)
    header, *rows = parse_csv(client.get(f"/kring-a/polls/{poll_id}/results/export/summary.csv").data)
    assert header == ["Question", "Answer", "Count", "Percentage", "Average"]
    assert ["Submitted responses", "", "2", "", ""] in rows
    assert ["Bent u lid van de kring?", "Ja", "1", "50%", ""] in rows
    assert ["Hoe tevreden bent u?", "Answers", "2", "", "3"] in rows
    assert ["Verdeel 100 punten", "Wegen", "50", "50%", "50"] in rows
    theme_rows = [row for row in rows if row[0] == "Op welke thema's wilt u samenwerken?"]
    assert len(theme_rows) == 9  # three themes x three levels
    workbook = load_workbook(
        io.BytesIO(client.get(f"/kring-a/polls/{poll_id}/results/export/summary.xlsx").data), read_only=True
    )
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert sheet_rows[0] == ("Question", "Answer", "Count", "Percentage", "Average")
    assert ("Bent u lid van de kring?", "Ja", 1, 0.5, "") in sheet_rows or (
        "Bent u lid van de kring?",
        "Ja",
        1,
        0.5,
        None,
    ) in sheet_rows
    assert audit_actions(answered.a.tenant).count("poll.exported") == 2


def test_anonymous_exports_carry_no_company(answered, poll_id, client, login_as):
    set_poll(answered.a.tenant, poll_id, anonymous=True)
    with tenant_scope(answered.a.tenant):
        for response in db.session.query(PollResponse).all():
            response.company_id = None
        db.session.flush()
    db.session.commit()
    login_as(answered.a.admin)
    for response in (
        export_responses(client, poll_id, "csv"),
        client.get(f"/kring-a/polls/{poll_id}/results/export/summary.csv"),
    ):
        data = response.data.decode("utf-8-sig")
        assert "Alpha" not in data and "Berends" not in data
    header = parse_csv(export_responses(client, poll_id, "csv").data)[0]
    assert "Company" not in header


def test_labels_follow_the_poll_language_not_the_exporter(answered, poll_id, client, login_as):
    set_poll(answered.a.tenant, poll_id, language="nl")
    login_as(answered.a.admin)  # the client asks for English
    header = parse_csv(export_responses(client, poll_id, "csv").data)[0]
    assert header[2] == "Bedrijf"
    header = load(answered.a.tenant, poll_id, lambda poll: next(exports.responses_rows(poll)))
    assert header[2] == "Bedrijf"  # outside a request too


def test_export_statements_do_not_grow_with_responses(polls_world, poll_id):
    pw = polls_world
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            add_response(
                pw.a.tenant,
                poll_id,
                {SINGLE: "Ja", MULTIPLE: ["Glasvezel"], THEMES: [1, 1, 1]},
                company_id=pw.company_ids["Alpha Bouw BV"],
            )
        with count_queries() as statements:
            rows = load(pw.a.tenant, poll_id, lambda poll: list(exports.responses_rows(poll)))
        counts.append(len(statements))
    assert len(rows) == 23
    assert counts[0] == counts[1]


def test_exports_are_for_the_board_and_known_formats_only(answered, poll_id, client, login_as):
    login_as(answered.a.member)
    assert client.post(f"/kring-a/polls/{poll_id}/results/export/responses.csv").status_code == 403
    assert client.get(f"/kring-a/polls/{poll_id}/results/export/summary.csv").status_code == 403
    client.post("/account/logout")
    login_as(answered.a.admin)
    assert client.post(f"/kring-a/polls/{poll_id}/results/export/responses.pdf").status_code == 404
    assert client.get(f"/kring-a/polls/{poll_id}/results/export/summary.json").status_code == 404
    assert "poll.exported" not in audit_actions(answered.a.tenant)


def test_the_download_is_for_the_board_of_that_poll_while_it_is_kept(
    answered, poll_id, b_poll_id, client, login_as, app
):
    login_as(answered.a.admin)
    assert export_responses(client, poll_id, "csv").status_code == 200
    [name] = os.listdir(exports.export_folder(answered.a.tenant.id))
    task_id = int(name.split("-")[0])
    download = f"/kring-a/polls/{poll_id}/results/exports/{task_id}"
    # Not under another poll's address, nor another task's number.
    assert client.get(f"/kring-a/polls/{poll_id + 1000}/results/exports/{task_id}").status_code == 404
    assert client.get(f"/kring-a/polls/{poll_id}/results/exports/{task_id + 1000}").status_code == 404
    client.post("/account/logout")
    login_as(answered.a.member)
    assert client.get(download).status_code == 403
    client.post("/account/logout")
    login_as(answered.b.admin)
    assert client.get(download).status_code == 404
    assert client.get(download.replace("kring-a", "kring-b")).status_code == 404
    client.post("/account/logout")

    # A day later the file is gone from the download, with a clear message, and pruned.
    path = exports.export_folder(answered.a.tenant.id) / name
    old = time.time() - exports.EXPORT_RETENTION.total_seconds() - 60
    os.utime(path, (old, old))
    login_as(answered.a.admin)
    expired = client.get(download, follow_redirects=True)
    assert expired.status_code == 200
    assert "That export is no longer available" in expired.get_data(as_text=True)
    b_folder = exports.export_folder(answered.b.tenant.id)
    b_folder.mkdir(parents=True, exist_ok=True)
    (b_folder / "1-abcdefghijkl.csv").write_text("kept")
    os.utime(b_folder / "1-abcdefghijkl.csv", (old, old))
    assert exports.prune_exports(answered.a.tenant.id) == 1
    assert not path.exists()
    assert (b_folder / "1-abcdefghijkl.csv").exists()  # tenant B's folder is B's own prune


def test_writing_reports_progress_per_batch_of_responses(answered, poll_id, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    reported = []
    path = load(
        answered.a.tenant,
        poll_id,
        lambda poll: exports.write_responses_file(
            poll, "csv", "7-progress-test.csv", progress=reported.append
        ),
    )
    assert reported == [1]  # after the first of two responses; the task's end marks the rest
    assert len(parse_csv(path.read_bytes())) == 3
    assert not path.with_name(path.name + ".part").exists()


def test_tenant_b_cannot_export_tenant_a(answered, poll_id, client, login_as):
    login_as(answered.b.admin)
    for tenant in ("kring-b", "kring-a"):
        for fmt in ("csv", "xlsx"):
            assert client.post(f"/{tenant}/polls/{poll_id}/results/export/responses.{fmt}").status_code == 404
            assert client.get(f"/{tenant}/polls/{poll_id}/results/export/summary.{fmt}").status_code == 404
    assert "poll.exported" not in audit_actions(answered.b.tenant)
