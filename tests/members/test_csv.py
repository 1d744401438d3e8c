"""CSV import and export: the services without HTTP, then the pages."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.members import csv_io, directory
from kringwerk.members.models import Company
from kringwerk.tenancy import tenant_scope
from tests.members.support import audit_actions, count_queries, last_audit, page_text, theme_by_key

BOM = "\ufeff"


def encode(text: str, bom: bool = False) -> bytes:
    return ((BOM if bom else "") + text).encode("utf-8")


def company_named(name: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.name == name))


def company_count() -> int:
    return db.session.scalar(select(func.count(Company.id)))


# --- import: reading ----------------------------------------------------------------------


def test_semicolon_file_with_bom_and_dutch_headers_imports(members):
    data = encode(
        "Naam;KvK-nummer;Sector;Medewerkers;Straat;Postcode;Plaats;Website;E-mail;Telefoon;"
        "Bedrijventerrein;Kringen;Thema's\n"
        "Café De Brink;1122 3344;Horeca;8;Brink 1;7241ab;Lochem;www.debrink.nl;info@debrink.nl;"
        "0573 111;aalsvoort;Noord | Zuid;energie|Mobiliteit\n",
        bom=True,
    )
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(data, actor=members.a.admin, filename="leden.csv")
        db.session.commit()
        assert (result.ok, result.created, result.updated) == (True, 1, 0)
        brink = company_named("Café De Brink")
        assert (brink.kvk_number, brink.employees, brink.postcode, brink.website) == (
            "11223344",
            8,
            "7241 AB",
            "https://www.debrink.nl",
        )
        assert brink.business_park.name == "Aalsvoort"
        assert [c.name for c in brink.circles] == ["Noord", "Zuid"]
        assert [t.key for t in brink.themes] == ["energie", "mobiliteit"]
    entry = last_audit(members.a.tenant)
    assert (entry.action, entry.details["created"], entry.details["updated"]) == ("companies.imported", 1, 0)
    assert entry.actor_id == members.a.admin.id


def test_comma_file_with_english_headers_and_quotes(members):
    data = encode('name,kvk,city,business_park,circles,themes\n"Smit, Jansen & Co",55667788,Assen,,,Energy\n')
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(data, actor=members.a.admin)
        assert result.created == 1
        smit = company_named("Smit, Jansen & Co")
        assert (smit.city, smit.business_park, [t.key for t in smit.themes]) == ("Assen", None, ["energie"])
    db.session.rollback()


def test_existing_kvk_updates_only_the_columns_in_the_file(members):
    data = encode("naam;kvk;plaats\nAlpha Bouw en Infra BV;12345678;Zutphen\nNieuwkomer;;Assen\n")
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(data, actor=members.a.facilitator)
        db.session.commit()
        assert (result.created, result.updated) == (1, 1)
        alpha = db.session.get(type(members.alpha), members.alpha_id)
        assert (alpha.name, alpha.city, alpha.sector) == ("Alpha Bouw en Infra BV", "Zutphen", "Bouw")
        # No park/circle/theme columns: the links stay.
        assert alpha.business_park.name == "Aalsvoort"
        assert [c.name for c in alpha.circles] == ["Noord"]
        assert [t.key for t in alpha.themes] == ["energie"]
    # Tenant B has a company with the same KvK number; it is not touched.
    with tenant_scope(members.b.tenant):
        assert company_named("Bravo Logistiek").city == "Lochem"
        assert company_count() == 1


def test_empty_relation_cells_clear_the_links(members):
    data = encode("naam;kvk;bedrijventerrein;kringen;themas\nAlpha Bouw BV;12345678;;;\n")
    with tenant_scope(members.a.tenant):
        assert csv_io.import_companies(data, actor=members.a.admin).updated == 1
        alpha = company_named("Alpha Bouw BV")
        assert (alpha.business_park, alpha.circles, alpha.themes) == (None, [], [])
    db.session.rollback()


def test_a_row_with_errors_means_nothing_is_imported(members):
    data = encode(
        "naam;kvk;medewerkers;postcode;bedrijventerrein;kringen;themas;email\n"
        "Goed BV;99887766;3;1234 AB;Aalsvoort;Noord;energie;info@goed.nl\n"
        ";1234;-2;12345;Nergens;Noord|Oost;energie|ruimtevaart;nope\n"
        "Dubbel BV;9988.7766;1,5;;;;;\n"
    )
    with tenant_scope(members.a.tenant):
        before = company_count()
        result = csv_io.import_companies(data, actor=members.a.admin)
        assert not result.ok and result.created == result.updated == 0
        assert company_count() == before
        assert company_named("Goed BV") is None
    problems = {(e.row, e.column): e for e in result.errors}
    assert set(problems) == {
        (3, "naam"),
        (3, "kvk"),
        (3, "medewerkers"),
        (3, "postcode"),
        (3, "bedrijventerrein"),
        (3, "kringen"),
        (3, "themas"),
        (3, "email"),
        (4, "kvk"),
        (4, "medewerkers"),
    }
    assert problems[(3, "kringen")].value == "Oost"
    assert problems[(3, "bedrijventerrein")].value == "Nergens"
    assert "Nergens" in problems[(3, "bedrijventerrein")].message
    assert problems[(3, "themas")].value == "ruimtevaart"
    assert "row 2" in problems[(4, "kvk")].message
    assert problems[(4, "medewerkers")].value == "1,5"
    assert "companies.imported" not in audit_actions(members.a.tenant)


def test_switched_off_themes_cannot_be_imported(members):
    with tenant_scope(members.a.tenant):
        theme_by_key("energie").active = False
        result = csv_io.import_companies(encode("naam;themas\nX;Energie\n"), actor=None)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(2, "themas", "Energie")]
    assert "switched off" in result.errors[0].message
    db.session.rollback()


def test_parks_circles_and_themes_of_another_tenant_are_unknown(members):
    with tenant_scope(members.b.tenant):
        db.session.add_all([type(members.park)(name="Alleen in B")])
        db.session.commit()
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(encode("naam;bedrijventerrein\nX;Alleen in B\n"), actor=None)
    assert [e.column for e in result.errors] == ["bedrijventerrein"]


def test_blank_rows_are_skipped_and_unknown_columns_reported(members):
    data = encode("naam;opmerking;kvk\r\nEen;hallo;\r\n;;\r\n\r\nTwee;;\r\n")
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(data, actor=None)
        assert (result.created, result.rows, result.ignored_columns) == (2, 2, ["opmerking"])
    db.session.rollback()


def test_extra_cells_in_a_row_are_an_error(members):
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(encode("naam;kvk\nEen;;extra\n"), actor=None)
    assert [(e.row, e.value) for e in result.errors] == [(2, "extra")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        ("naam;kvk\n".encode("utf-16"), "UTF-8"),
        ("naam;kvk\nCaf\xe9;\n".encode("latin-1"), "UTF-8"),
        (encode("kvk;plaats\n12345678;Assen\n"), "naam"),
        (encode("naam;name\nA;B\n"), "mean the same"),
        (b"naam\n" + b"x" * (csv_io.MAX_BYTES), "2 MB"),
    ],
)
def test_unusable_files_get_a_clear_message(members, data, message):
    with tenant_scope(members.a.tenant), pytest.raises(csv_io.ImportFileError) as caught:
        csv_io.import_companies(data, actor=None)
    assert message in str(caught.value.message)
    assert caught.value.errors.keys() == {"file"}


def test_row_limit(members, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    with tenant_scope(members.a.tenant):
        assert csv_io.import_companies(encode("naam\nA\nB\nC\n"), actor=None).created == 3
        with pytest.raises(csv_io.ImportFileError, match="at most 3"):
            csv_io.import_companies(encode("naam\nA\nB\nC\nD\n"), actor=None)
    db.session.rollback()


def _import_selects(tenant, rows: int, offset: int) -> int:
    lines = ["naam;kvk;kringen;themas"] + [
        f"Bedrijf {n};{10000000 + offset + n};Noord|Zuid;energie" for n in range(rows)
    ]
    with tenant_scope(tenant), count_queries() as statements:
        result = csv_io.import_companies(encode("\n".join(lines) + "\n"), actor=None)
        db.session.flush()
        db.session.commit()
    assert result.created == rows
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_import_reads_a_fixed_number_of_times_whatever_the_rows(members):
    assert _import_selects(members.a.tenant, 5, 0) == _import_selects(members.a.tenant, 300, 1000)


# --- export ---------------------------------------------------------------------------------


def read_export(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_export_neutralises_formulas_and_round_trips(members):
    with tenant_scope(members.a.tenant):
        company = db.session.get(Company, members.anker_id)
        company.name = '=HYPERLINK("http://evil")'
        company.phone = "+31 592 123456"
        company.sector = "@SUM(A1)"
        company.city = "-Assen"
        db.session.commit()
        data = csv_io.export_companies(directory.directory_query(directory.DirectoryFilters()), "nl")
    rows = read_export(data)
    assert rows[0] == csv_io.headers("nl")
    exported = {row[0]: row for row in rows[1:]}
    assert set(exported) == {"Alpha Bouw BV", '\'=HYPERLINK("http://evil")'}
    anker = exported['\'=HYPERLINK("http://evil")']
    assert (anker[2], anker[6], anker[9]) == ("'@SUM(A1)", "'-Assen", "'+31 592 123456")
    alpha = exported["Alpha Bouw BV"]
    assert (alpha[1], alpha[10], alpha[11], alpha[12]) == ("12345678", "Aalsvoort", "Noord", "Energie")
    # Importing the export changes nothing: apostrophes come off again.
    with tenant_scope(members.a.tenant):
        result = csv_io.import_companies(data, actor=None)
        assert (result.ok, result.created, result.updated) == (True, 0, 2)
        again = db.session.get(Company, members.anker_id)
        assert (again.name, again.phone, again.city) == (
            '=HYPERLINK("http://evil")',
            "+31 592 123456",
            "-Assen",
        )
    db.session.rollback()


def test_neutralise():
    assert [csv_io.neutralise(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "a=b", None, 12)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "a=b",
        "",
        "12",
    ]


def test_english_headers_and_example_file_imports_cleanly(members):
    assert csv_io.headers("en")[:3] == ["name", "kvk", "sector"]
    with tenant_scope(members.a.tenant):
        example = csv_io.example_csv("nl")
        rows = read_export(example)
        assert rows[1][10] == "Aalsvoort"  # the tenant's own park
        result = csv_io.import_companies(example, actor=None)
        assert (result.ok, result.created, result.updated) == (True, 1, 1)  # 12345678 is Alpha
    db.session.rollback()


# --- pages --------------------------------------------------------------------------------------


def upload(client, tenant, data: bytes, filename="leden.csv"):
    return client.post(
        f"/{tenant.slug}/members/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_import_page_imports_and_reports(members, login_as):
    client = login_as(members.a.facilitator)
    page = client.get("/kring-a/members/import")
    assert page.status_code == 200
    assert "bedrijventerrein" in page_text(page)
    response = upload(client, members.a.tenant, encode("naam;kvk\nNieuw BV;44556677\nAlpha;12345678\n"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kring-a/members/")
    directory = client.get("/kring-a/members/")
    assert "Nieuw BV" in page_text(directory)
    assert "Import done: 1 company added, 1 company updated." in page_text(directory)
    with tenant_scope(members.a.tenant):
        assert company_named("Nieuw BV") is not None
    with tenant_scope(members.b.tenant):
        assert company_named("Nieuw BV") is None


def test_import_page_shows_the_row_report(members, login_as):
    client = login_as(members.a.admin)
    response = upload(client, members.a.tenant, encode("naam;kvk;postcode\nGoed;;\nFout;12;9999\n"))
    assert response.status_code == 422
    text = page_text(response)
    assert "Nothing was imported" in text
    assert "<td>3</td>" in text and "<td>kvk</td>" in text and "<td>9999</td>" in text
    with tenant_scope(members.a.tenant):
        assert company_named("Goed") is None


def test_import_page_file_errors(members, login_as):
    client = login_as(members.a.admin)
    missing = client.post("/kring-a/members/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert 'id="file-error"' in page_text(missing)
    wrong = upload(client, members.a.tenant, "naam\nCaf\xe9\n".encode("latin-1"))
    assert wrong.status_code == 422
    assert "UTF-8" in page_text(wrong)
    too_large = upload(client, members.a.tenant, b"naam\n" + b"x" * csv_io.MAX_BYTES)
    assert too_large.status_code == 422
    assert "2 MB" in page_text(too_large)


def test_import_and_export_are_for_managers(members, login_as):
    client = login_as(members.a.member)
    assert client.get("/kring-a/members/import").status_code == 403
    assert upload(client, members.a.tenant, encode("naam\nX\n")).status_code == 403
    assert client.get("/kring-a/members/export.csv").status_code == 403
    assert client.get("/kring-a/members/import/example.csv").status_code == 403
    with tenant_scope(members.a.tenant):
        assert company_named("X") is None


def test_export_download_respects_filters(members, login_as):
    client = login_as(members.a.admin)
    response = client.get("/kring-a/members/export.csv?sector=Zorg")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_export(response.data)
    assert [row[0] for row in rows[1:]] == ["Anker Zorg"]
    everything = read_export(client.get("/kring-a/members/export.csv").data)
    assert sorted(row[0] for row in everything[1:]) == ["Alpha Bouw BV", "Anker Zorg"]
    # Tenant B's admin gets tenant B's companies only.
    client.post("/account/logout")
    other = login_as(members.b.admin)
    assert [row[0] for row in read_export(other.get("/kring-b/members/export.csv").data)[1:]] == [
        "Bravo Logistiek"
    ]
    assert other.get("/kring-a/members/export.csv").status_code == 404


def test_example_download(members, login_as):
    client = login_as(members.a.admin)
    response = client.get("/kring-a/members/import/example.csv")
    assert response.status_code == 200
    rows = read_export(response.data)
    assert rows[0][:2] == ["name", "kvk"]  # the headers follow the UI language (English here)
