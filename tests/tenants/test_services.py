"""Tenant rules without HTTP: creating tenants, changing their settings, the
brand colour's contrast, time zones, and the logo's checks and files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from kringwerk.audit.models import AuditEntry
from kringwerk.extensions import db
from kringwerk.tenancy import tenant_scope
from kringwerk.tenancy.models import TenantKind
from kringwerk.tenants.services import (
    MAX_LOGO_BYTES,
    TenantError,
    clean_brand_colour,
    clean_timezone,
    clean_website,
    contrast_with_white,
    create_tenant,
    detect_image_type,
    remove_logo,
    set_logo,
    update_tenant,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


def entries(tenant, action):
    with tenant_scope(tenant):
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- creating -------------------------------------------------------------------------


def test_create_tenant_checks_its_settings(world):
    tenant = create_tenant(
        "Gemeente-LV",
        "  Leidschendam-Voorburg ",
        "municipality",
        actor=world.operator,
        timezone="Europe/Amsterdam",
    )
    assert (tenant.slug, tenant.name, tenant.kind) == (
        "gemeente-lv",
        "Leidschendam-Voorburg",
        TenantKind.MUNICIPALITY,
    )
    assert [e.actor_id for e in entries(tenant, "tenant.created")] == [world.operator.id]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"slug": "kring-a"}, "slug"),
        ({"slug": "x"}, "slug"),
        ({"slug": "static"}, "slug"),
        ({"name": "   "}, "name"),
        ({"kind": "galaxy"}, "kind"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"default_locale": "fr"}, "default_locale"),
        ({"brand_colour": "#ffff00"}, "brand_colour"),
    ],
)
def test_create_tenant_refuses_with_the_field_concerned(world, kwargs, field):
    values = {"slug": "nieuw", "name": "Nieuw", "kind": "association", **kwargs}
    with pytest.raises(TenantError) as refused:
        create_tenant(values.pop("slug"), values.pop("name"), values.pop("kind"), **values)
    assert refused.value.field == field
    assert str(refused.value.message)


# --- settings ---------------------------------------------------------------------------


def test_update_records_only_the_changed_fields(world):
    tenant = world.a.tenant
    changed = update_tenant(
        tenant,
        {"name": "Kring A", "contact_email": " Info@Kring-A.example.com ", "brand_colour": "#0B3D2E"},
        actor=world.a.admin,
    )
    assert changed == ["brand_colour", "contact_email"]
    assert tenant.brand_colour == "#0b3d2e"
    assert tenant.contact_email == "info@kring-a.example.com"
    (entry,) = entries(tenant, "tenant.updated")
    assert entry.details == {"fields": ["brand_colour", "contact_email"]}
    assert entry.actor_id == world.a.admin.id
    assert entries(world.b.tenant, "tenant.updated") == []


def test_update_without_changes_records_nothing(world):
    assert update_tenant(world.a.tenant, {"name": "Kring A"}, actor=world.a.admin) == []
    assert entries(world.a.tenant, "tenant.updated") == []


def test_update_refuses_everything_when_one_value_is_bad(world):
    with pytest.raises(TenantError) as refused:
        update_tenant(world.a.tenant, {"name": "Nieuw", "timezone": "Nowhere/Town"}, actor=world.a.admin)
    assert refused.value.field == "timezone"
    assert world.a.tenant.name == "Kring A"


def test_update_refuses_unknown_fields(world):
    with pytest.raises(TenantError):
        update_tenant(world.a.tenant, {"slug": "hijack"}, actor=world.a.admin)
    assert world.a.tenant.slug == "kring-a"


@pytest.mark.parametrize(
    ("colour", "ok"),
    [
        ("#1f5f8b", True),
        ("#767676", True),  # 4.54:1, just enough
        ("#777777", False),  # 4.48:1, just too light
        ("#ffbf47", False),
        ("#ffffff", False),
        ("000000", True),  # the # may be left out
        ("#12345", False),
        ("blue", False),
        ("#gggggg", False),
    ],
)
def test_brand_colour_needs_contrast_with_white(colour, ok):
    if ok:
        assert contrast_with_white(clean_brand_colour(colour)) >= 4.5
    else:
        with pytest.raises(TenantError) as refused:
            clean_brand_colour(colour)
        assert refused.value.field == "brand_colour"


def test_contrast_message_names_the_ratio(app):
    with pytest.raises(TenantError) as refused:
        clean_brand_colour("#ff0000")
    message = str(refused.value.message)
    assert "3.99:1" in message and "4.5:1" in message


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/Curacao", "UTC"])
def test_real_time_zones_are_accepted(zone):
    assert clean_timezone(zone) == zone


@pytest.mark.parametrize("zone", ["", "Amsterdam", "localtime", "Factory", "../etc/passwd"])
def test_other_time_zones_are_refused(zone):
    with pytest.raises(TenantError):
        clean_timezone(zone)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("www.kring.nl", "https://www.kring.nl"), ("HTTP://kring.nl/over", "http://kring.nl/over"), ("", None)],
)
def test_website_is_a_web_address(app, given, stored):
    assert clean_website(given) == stored


@pytest.mark.parametrize(
    "given", ["javascript://alert(1).nl", "ftp://kring.nl", "https://kring", "data:text/html,x"]
)
def test_other_addresses_are_refused(app, given):
    with pytest.raises(TenantError):
        clean_website(given)


# --- logo -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"), [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp"), (GIF, None), (b"", None)]
)
def test_image_type_comes_from_the_content(data, kind):
    assert detect_image_type(data[:16]) == kind


def logo_files(tenant, app) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "tenants" / str(tenant.id)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_logo_is_stored_under_the_tenant_and_replaces_the_old_file(world, app):
    tenant = world.a.tenant
    first = set_logo(tenant, io.BytesIO(PNG), "logo.png", actor=world.a.admin)
    db.session.commit()
    assert first.startswith("logo-") and first.endswith(".png") and len(first) == len("logo-") + 16 + 4
    assert logo_files(tenant, app) == [first]
    second = set_logo(tenant, io.BytesIO(JPEG), "Logo.JPEG", actor=world.a.admin)
    assert logo_files(tenant, app) == sorted([first, second])  # the old one stays until commit
    db.session.commit()
    assert second.endswith(".jpg") and logo_files(tenant, app) == [second]
    assert tenant.logo_filename == second
    assert [e.details for e in entries(tenant, "tenant.updated")] == [{"fields": ["logo"]}] * 2
    assert logo_files(world.b.tenant, app) == []


def test_a_rolled_back_logo_leaves_the_old_one_in_place(world, app):
    tenant = world.a.tenant
    first = set_logo(tenant, io.BytesIO(PNG), "logo.png", actor=world.a.admin)
    db.session.commit()
    set_logo(tenant, io.BytesIO(WEBP), "logo.webp", actor=world.a.admin)
    db.session.rollback()
    assert logo_files(tenant, app) == [first]
    assert tenant.logo_filename == first


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (GIF, "logo.png"),  # a GIF that says it is a PNG
        (PNG, "logo.svg"),
        (PNG, "logo.gif"),
        (b"", "logo.png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"),
        (PNG + b"\x00" * MAX_LOGO_BYTES, "logo.png"),
    ],
)
def test_bad_logos_are_refused(world, app, data, filename):
    with pytest.raises(TenantError) as refused:
        set_logo(world.a.tenant, io.BytesIO(data), filename, actor=world.a.admin)
    assert refused.value.field == "logo"
    assert world.a.tenant.logo_filename is None
    assert logo_files(world.a.tenant, app) == []


def test_a_logo_of_exactly_one_megabyte_is_fine(world):
    data = PNG + b"\x00" * (MAX_LOGO_BYTES - len(PNG))
    assert set_logo(world.a.tenant, io.BytesIO(data), "logo.png", actor=world.a.admin).endswith(".png")


def test_remove_logo_deletes_the_file_after_commit(world, app):
    tenant = world.a.tenant
    set_logo(tenant, io.BytesIO(PNG), "logo.png", actor=world.a.admin)
    db.session.commit()
    assert remove_logo(tenant, actor=world.a.admin) is True
    db.session.commit()
    assert tenant.logo_filename is None and logo_files(tenant, app) == []
    assert remove_logo(tenant, actor=world.a.admin) is False
    assert len(entries(tenant, "tenant.updated")) == 2
