"""Bad input answers 4xx and changes nothing: NUL bytes, CR/LF in redirect targets,
ids beyond the database's range. Handled once for every form and query string."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kringwerk.extensions import db
from kringwerk.members.models import Company
from kringwerk.tenancy.context import tenant_scope
from kringwerk.web.safety import int_arg


@pytest.mark.both_databases
def test_a_nul_byte_in_a_query_string_is_a_400(client, world, login_as):
    login_as(world.a.admin)
    response = client.get("/kring-a/members/", query_string={"q": "Al\x00pha"})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


@pytest.mark.both_databases
def test_a_nul_byte_in_a_form_changes_nothing(client, world, login_as):
    login_as(world.a.admin)
    response = client.post("/kring-a/members/companies/new", data={"name": "Nul\x00 BV"})
    assert response.status_code == 400
    with tenant_scope(world.a.tenant):
        assert db.session.scalar(select(func.count()).select_from(Company)) == 0
    # Tenant B saw nothing either.
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_a_nul_byte_in_a_form_field_name_is_a_400(client, world):
    response = client.post("/account/login", data={"em\x00ail": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["/kring-a/\r\nSet-Cookie: x=1", "/kring-a/\nLocation: //evil.example"])
def test_cr_lf_in_next_falls_back_instead_of_failing(client, world, login_as, target):
    login_as(world.a.admin)
    response = client.post("/language", data={"language": "nl", "next": target})
    assert response.status_code == 302
    assert "\n" not in response.headers["Location"] and "\r" not in response.headers["Location"]
    assert "evil" not in response.headers["Location"]
    response = client.get("/account/login", query_string={"next": target})
    assert response.status_code in (200, 302)


def test_signed_in_pages_are_not_cached(client, world, login_as):
    login_as(world.a.admin)
    response = client.get("/kring-a/members/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_public_pages_keep_their_caching(client, world):
    response = client.get("/kring-a/theme.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("task=12", 12),
        (f"task={2**31 - 1}", 2**31 - 1),
        (f"task={2**31}", None),
        ("task=99999999999999999999", None),
        ("task=" + "9" * 5000, None),  # Python itself refuses to parse this many digits
        ("task=-3", None),
        ("task=0", None),
        ("task=%C2%B2", None),  # a superscript two is a digit to str.isdigit
        ("task=", None),
        ("other=1", None),
    ],
)
def test_int_arg_gives_ids_the_database_can_hold(app, query, expected):
    with app.test_request_context(f"/?{query}"):
        assert int_arg("task") == expected


def test_a_multipart_field_name_ending_in_a_backslash_is_no_500(client, world, login_as):
    # The backslash escapes the closing quote of the part's name: werkzeug gives no name.
    login_as(world.a.admin)
    response = client.post(
        "/kring-a/members/import",
        data={"odd\\": "x", "file": (io.BytesIO(b"naam;kvk\nNieuw BV;\n"), "leden.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
