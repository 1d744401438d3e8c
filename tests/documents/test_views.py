"""Stored files over HTTP: served to the members of their own tenant only, with
the type found at upload, no sniffing, and a safe download name; rendered
documents sent with ``send_document``."""

from __future__ import annotations

import pytest

from kringwerk.documents.models import StoredFile
from kringwerk.documents.responses import send_document
from kringwerk.documents.services import store_upload
from kringwerk.documents.views import file_url
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from tests.documents.support import docx_bytes, image_bytes, pdf_bytes, upload

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def store(app, tenant, data: bytes, name: str) -> tuple[str, int]:
    """Store a file for ``tenant``; returns its path under the tenant's prefix and its id."""
    with app.test_request_context(), tenant_scope(tenant):
        stored = store_upload(upload(data, name))
        db.session.commit()
        return f"/{tenant.slug}/files/{stored.id}/{stored.original_name}", stored.id


@pytest.mark.both_databases
def test_members_of_the_tenant_get_the_file_with_safe_headers(world, app, client, login_as):
    pdf = pdf_bytes()
    pdf_url, _ = store(app, world.a.tenant, pdf, "Advies de Hoek.pdf")
    docx_url, _ = store(app, world.a.tenant, docx_bytes(), "Brief (concept).docx")
    png_url, _ = store(app, world.a.tenant, image_bytes(), "kaart.png")

    login_as(world.a.member)
    response = client.get(pdf_url)
    assert response.status_code == 200 and response.data == pdf
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="Advies de Hoek.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"

    response = client.get(docx_url)
    assert response.status_code == 200 and response.mimetype == DOCX_TYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="Brief (concept).docx"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    response = client.get(png_url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_a_name_outside_ascii_is_sent_in_both_forms(world, app, client, login_as):
    url, _ = store(app, world.a.tenant, pdf_bytes(), "Café één.pdf")
    login_as(world.a.facilitator)
    disposition = client.get(url).headers["Content-Disposition"]
    assert disposition == "inline; filename=\"Cafe een.pdf\"; filename*=UTF-8''Caf%C3%A9%20%C3%A9%C3%A9n.pdf"


@pytest.mark.both_databases
def test_another_tenants_file_is_404_and_visitors_are_sent_to_sign_in(world, app, client, login_as):
    url, file_id = store(app, world.a.tenant, pdf_bytes(), "plan.pdf")
    under_b = f"/{world.b.tenant.slug}/files/{file_id}/plan.pdf"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]

    login_as(world.b.admin)
    assert client.get(under_b).status_code == 404  # B's prefix, A's id
    assert client.get(url).status_code == 404  # A's prefix: B's admin is no member there
    assert client.get(f"/{world.b.tenant.slug}/files/{file_id + 1000}/plan.pdf").status_code == 404

    login_as(world.outsider)
    assert client.get(url).status_code == 404

    login_as(world.a.member)
    assert client.get(url).status_code == 200
    assert client.get(under_b).status_code == 404


def test_a_file_missing_on_disk_is_404(world, app, client, login_as):
    url, file_id = store(app, world.a.tenant, pdf_bytes(), "plan.pdf")
    with tenant_scope(world.a.tenant), app.test_request_context():
        from kringwerk.documents.services import file_path

        file_path(db.session.get(StoredFile, file_id)).unlink()
    login_as(world.a.member)
    assert client.get(url).status_code == 404


def test_the_file_url_names_the_tenant_and_the_file(world, app):
    _, file_id = store(app, world.a.tenant, pdf_bytes(), "Plan van aanpak.pdf")
    with tenant_scope(world.a.tenant):
        stored = db.session.get(StoredFile, file_id)
        with app.test_request_context(f"/{world.a.tenant.slug}/"):
            app.preprocess_request()
            assert file_url(stored) == f"/kring-a/files/{file_id}/Plan%20van%20aanpak.pdf"
        # In mail or a job: absolute, from BASE_URL, the tenant taken from the scope.
        assert (
            file_url(stored, external=True)
            == f"http://localhost/kring-a/files/{file_id}/Plan%20van%20aanpak.pdf"
        )


def test_send_document_sets_type_name_and_no_caching(app):
    with app.test_request_context():
        response = send_document(b"%PDF-1.7 ...", "Advies.pdf", "pdf")
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == "attachment; filename=Advies.pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "private, no-store"

        inline = send_document(b"%PDF-1.7 ...", "Advies.pdf", "pdf", inline=True)
        assert inline.headers["Content-Disposition"] == "inline; filename=Advies.pdf"

        word = send_document(b"PK...", "Intentieverklaring Zuid.docx", "docx")
        assert word.mimetype == DOCX_TYPE
        assert word.headers["Content-Disposition"] == 'attachment; filename="Intentieverklaring Zuid.docx"'
        with pytest.raises(ValueError, match="kind must be one of"):
            send_document(b"", "x.exe", "exe")
