"""The tenant settings page: contact details, language, time zone, brand colour and logo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope

URL = "/kring-a/admin/settings/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


def form_values(**changes) -> dict:
    """The settings form as it comes for tenant A (whose language is English), with ``changes``."""
    values = {
        "name": "Kring A",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        "default_locale": "en",
        "timezone": "Europe/Amsterdam",
        "brand_colour": "#1f5f8b",
    }
    values.update(changes)
    return values


def updates(tenant) -> list[dict]:
    with tenant_scope(tenant):
        return [
            e.details
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.updated"))
        ]


def reload(tenant):
    db.session.expire_all()
    return db.session.get(type(tenant), tenant.id)


# --- who ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("facilitator", 403), ("member", 403), ("official", 403)]
)
def test_only_the_board_opens_the_settings(world, login_as, who, status):
    assert login_as(getattr(world.a, who)).get(URL).status_code == status


def test_operator_opens_the_settings(world, login_as):
    page = login_as(world.operator).get(URL).get_data(as_text=True)
    assert 'value="Kring A"' in page


def test_other_tenants_cannot_see_or_change_the_settings(world, login_as, client):
    assert client.get(URL).status_code == 302  # anonymous: to the sign-in page
    assert client.post(URL, data=form_values(name="Gekaapt")).status_code == 401
    client = login_as(world.b.admin)
    assert client.get(URL).status_code == 404
    assert client.post(URL, data=form_values(name="Gekaapt")).status_code == 404
    assert reload(world.a.tenant).name == "Kring A"


# --- saving ---------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_saving_changes_the_tenant_and_records_the_fields(world, login_as):
    client = login_as(world.a.admin)
    response = client.post(
        URL,
        data=form_values(
            name="Ondernemend Assen",
            contact_email="info@assen.example.com",
            contact_phone="+31 592 123 456",
            website="www.ondernemendassen.nl",
            default_locale="nl",
            timezone="Europe/Brussels",
            brand_colour="#0B3D2E",
        ),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    tenant = reload(world.a.tenant)
    assert tenant.name == "Ondernemend Assen"
    assert tenant.website == "https://www.ondernemendassen.nl"
    assert (tenant.default_locale, tenant.timezone, tenant.brand_colour) == (
        "nl",
        "Europe/Brussels",
        "#0b3d2e",
    )
    assert updates(tenant) == [
        {
            "fields": [
                "brand_colour",
                "contact_email",
                "contact_phone",
                "default_locale",
                "name",
                "timezone",
                "website",
            ]
        }
    ]
    assert updates(world.b.tenant) == []
    assert reload(world.b.tenant).name == "Kring B"


def test_a_light_brand_colour_is_refused_next_to_the_field(world, login_as):
    response = login_as(world.a.admin).post(URL, data=form_values(name="Nieuwe naam", brand_colour="#ffdd00"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page[page.index('id="brand_colour-error"') :]
    assert "contrast" in error[: error.index("</p>")]
    assert 'value="Nieuwe naam"' in page and 'value="#ffdd00"' in page  # what was typed stays
    assert reload(world.a.tenant).name == "Kring A"
    assert updates(world.a.tenant) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Europe/Atlantis"),
        ("default_locale", "de"),
        ("contact_email", "niet-een-adres"),
        ("website", "javascript://x.nl"),
        ("contact_phone", "bel me"),
        ("name", ""),
        ("brand_colour", "rood"),
    ],
)
def test_bad_values_answer_422_with_the_error_at_the_field(world, login_as, field, value):
    response = login_as(world.a.admin).post(URL, data=form_values(**{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert updates(world.a.tenant) == []


# --- logo -----------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str, **values):
    return client.post(
        URL,
        data={**form_values(**values), "logo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_logo_upload_is_served_and_shown_in_the_header(world, login_as, app):
    client = login_as(world.a.admin)
    assert upload(client, PNG, "logo.png").status_code == 302
    tenant = reload(world.a.tenant)
    assert tenant.logo_filename.startswith("logo-") and tenant.logo_filename.endswith(".png")
    stored = Path(app.config["UPLOAD_DIR"]) / "tenants" / str(tenant.id) / tenant.logo_filename
    assert stored.read_bytes() == PNG
    served = client.get("/kring-a/logo")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert 'src="/kring-a/logo"' in client.get("/kring-a/").get_data(as_text=True)
    assert updates(tenant) == [{"fields": ["logo"]}]
    assert client.get("/kring-b/logo").status_code == 404


def test_a_gif_named_png_is_refused(world, login_as, app):
    response = upload(login_as(world.a.admin), GIF, "logo.png", name="Typed name")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="logo-error"' in page and "PNG, JPEG or WebP" in page
    assert 'value="Typed name"' in page
    assert reload(world.a.tenant).logo_filename is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "tenants").exists()


def test_a_logo_over_one_megabyte_is_refused(world, login_as):
    response = upload(login_as(world.a.admin), PNG + b"\x00" * (1024 * 1024), "logo.png")
    assert response.status_code == 422
    assert "1 MB" in response.get_data(as_text=True)
    assert reload(world.a.tenant).logo_filename is None


def test_remove_logo_asks_first_then_removes_the_file(world, login_as, app):
    client = login_as(world.a.admin)
    upload(client, PNG, "logo.png")
    stored = (
        Path(app.config["UPLOAD_DIR"])
        / "tenants"
        / str(world.a.tenant.id)
        / reload(world.a.tenant).logo_filename
    )
    confirmation = client.get(URL + "logo/remove")
    assert confirmation.status_code == 200
    assert 'method="post"' in confirmation.get_data(as_text=True)
    assert stored.exists() and reload(world.a.tenant).logo_filename  # a GET changes nothing

    assert client.post(URL + "logo/remove").status_code == 302
    assert reload(world.a.tenant).logo_filename is None
    assert not stored.exists()
    assert client.get("/kring-a/logo").status_code == 404
    assert updates(world.a.tenant) == [{"fields": ["logo"]}, {"fields": ["logo"]}]


def test_other_tenants_cannot_remove_the_logo(world, login_as):
    upload(login_as(world.a.admin), PNG, "logo.png")
    client = login_as(world.b.admin)
    assert client.get(URL + "logo/remove").status_code == 404
    assert client.post(URL + "logo/remove").status_code == 404
    assert reload(world.a.tenant).logo_filename is not None
