"""The file field validator: a refused file is a field error, an accepted one is
left ready for ``store_upload``, and nothing is stored by validating."""

from __future__ import annotations

from pathlib import Path

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from kringwerk.documents.forms import AcceptedUpload
from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import store_upload
from kringwerk.extensions import db
from kringwerk.tenancy.context import tenant_scope
from tests.documents.support import image_bytes, pdf_bytes, upload


class AttachmentForm(FlaskForm):
    attachment = FileField("Attachment", validators=[AcceptedUpload(allowed=("pdf",), max_bytes=64 * 1024)])


def form_with(data: bytes, name: str) -> AttachmentForm:
    return AttachmentForm(formdata=MultiDict({"attachment": upload(data, name)}))


def test_a_refused_file_is_an_error_on_its_field_and_nothing_is_stored(world, app):
    with app.test_request_context(method="POST"):
        form = form_with(image_bytes(), "scan.pdf")
        assert not form.validate()
        assert form.attachment.errors == ["This file is not accepted. Only PDF files can be uploaded here."]
        big = form_with(b"%PDF-1.7\n" + b"\x00" * (65 * 1024), "big.pdf")
        assert not big.validate() and big.attachment.errors == ["The file may be at most 64 kB."]
    assert not (Path(app.config["UPLOAD_DIR"]) / "files").exists()


def test_an_accepted_file_is_stored_whole_after_validation(world, app):
    data = pdf_bytes()
    with app.test_request_context(method="POST"), tenant_scope(world.a.tenant):
        form = form_with(data, "plan.pdf")
        assert form.validate() and form.attachment.errors == []
        stored = store_upload(form.attachment.data)
        db.session.commit()
        assert stored.size == len(data) and stored.tenant_id == world.a.tenant.id
    with tenant_scope(world.b.tenant):
        assert db.session.scalars(select(StoredFile)).all() == []
    with app.test_request_context(method="POST"):
        assert AttachmentForm(formdata=MultiDict()).validate()  # no file: FileRequired decides
