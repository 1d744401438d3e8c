"""Request sizes: a form's text may be ``MAX_FORM_MEMORY_SIZE`` (1 MB), an upload
``MAX_CONTENT_LENGTH`` (10 MB). Beyond that the answer is 413 with the error
page, and nothing is stored."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy.context import tenant_scope

MB = 1024 * 1024


def _companies(tenant) -> int:
    with tenant_scope(tenant):
        return db.session.scalar(select(func.count()).select_from(Company))


@pytest.mark.both_databases
def test_a_form_of_two_megabytes_is_refused(client, world, login_as):
    login_as(world.a.admin)
    response = client.post(
        "/kring-a/members/companies/new", data={"name": "Groot BV", "notes": "x" * (2 * MB)}
    )
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)
    assert _companies(world.a.tenant) == 0
    assert _companies(world.b.tenant) == 0


def test_a_multipart_text_field_of_two_megabytes_is_refused(client, world, login_as):
    login_as(world.a.admin)
    response = client.post(
        "/kring-a/members/companies/new",
        data={"name": "Groot BV", "notes": "x" * (2 * MB)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert _companies(world.a.tenant) == 0


def test_an_htmx_request_that_is_too_large_gets_the_alert_fragment(client, world, login_as):
    login_as(world.a.admin)
    response = client.post(
        "/kring-a/members/companies/new",
        data={"name": "x" * (2 * MB)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#htmx-alerts"
    assert "<html" not in response.get_data(as_text=True)


def test_an_upload_of_three_megabytes_is_still_read(client, world, login_as):
    login_as(world.a.admin)
    csv = b"naam;kvk\n" + b"x" * (3 * MB) + b";\n"  # one name far too long: refused by the import
    assert len(csv) > 3 * MB
    response = client.post(
        "/kring-a/members/import",
        data={"file": (io.BytesIO(csv), "leden.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code != 413
    assert _companies(world.b.tenant) == 0


@pytest.mark.parametrize(("language", "title"), [("en", "File too large"), ("nl", "Bestand te groot")])
def test_an_upload_beyond_ten_megabytes_is_413_in_the_reader_s_language(
    client, world, login_as, language, title
):
    login_as(world.a.admin)
    client.post("/language", data={"language": language, "next": "/healthz"})
    csv = b"naam;kvk\n" + b"Bouw BV;12345678\n" * (11 * MB // 17)
    assert len(csv) > 10 * MB
    response = client.post(
        "/kring-a/members/import",
        data={"file": (io.BytesIO(csv), "leden.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert title in response.get_data(as_text=True)
    assert _companies(world.a.tenant) == 0
    assert _companies(world.b.tenant) == 0
