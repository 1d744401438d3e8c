"""One CSV writer and one formula guard for every export (members, polls, events)."""

from __future__ import annotations

import csv
import io

from kringwerk.documents.spreadsheets import csv_bytes, formula_safe


def test_every_part_excel_could_run_gets_an_apostrophe():
    assert formula_safe("=1+1") == "'=1+1"
    assert formula_safe('a;=HYPERLINK("x")') == 'a;\'=HYPERLINK("x")'
    assert formula_safe("a, -2\n@b") == "a, '-2\n'@b"
    assert formula_safe("De Hoek 12") == "De Hoek 12"


def test_dutch_files_split_on_semicolons_english_on_commas_both_with_a_bom():
    rows = [["Naam", "Bedrag"], ["Kring A", None], ["=cmd", 3]]
    dutch = csv_bytes(rows, "nl")
    english = csv_bytes(rows, "en")
    assert dutch.startswith("\ufeff".encode()) and english.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(dutch.decode("utf-8-sig")), delimiter=";")) == [
        ["Naam", "Bedrag"],
        ["Kring A", ""],
        ["'=cmd", "3"],
    ]
    assert english.decode("utf-8-sig").splitlines()[0] == "Naam,Bedrag"
