"""Uploaded files without HTTP: the type is read from the content, the size is
capped, a refusal leaves nothing behind, and the files of one tenant stay out
of the other's reach."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from kringwerk.documents.filetypes import DOCX, IMAGES, PDF
from kringwerk.documents.models import StoredFile
from kringwerk.documents.services import (
    UploadError,
    check_upload,
    clean_name,
    delete_file,
    file_path,
    read_file,
    store_upload,
)
from kringwerk.extensions import db
from kringwerk.tenancy.context import TenantScopeError, tenant_scope
from tests.documents.support import docx_bytes, image_bytes, pdf_bytes, upload


def files_on_disk(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"]) / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(tenant) -> list[StoredFile]:
    with tenant_scope(tenant):
        return list(db.session.scalars(select(StoredFile).order_by(StoredFile.id)))


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("make", "name", "content_type", "kept_name"),
    [
        (pdf_bytes, "Plan van aanpak.pdf", "application/pdf", "Plan van aanpak.pdf"),
        (docx_bytes, "intentieverklaring.DOCX", DOCX.content_type, "intentieverklaring.DOCX"),
        (image_bytes, "../../etc/foto.png", "image/png", "foto.png"),
    ],
)
def test_a_pdf_a_docx_and_a_png_are_kept_for_their_tenant(world, app, make, name, content_type, kept_name):
    data = make()
    with app.test_request_context(), tenant_scope(world.a.tenant):
        stored = store_upload(upload(data, name), uploaded_by=world.a.member)
        db.session.commit()
    with tenant_scope(world.a.tenant):
        stored = db.session.get(StoredFile, stored.id)
        assert (stored.content_type, stored.original_name, stored.size) == (
            content_type,
            kept_name,
            len(data),
        )
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert stored.uploaded_by_id == world.a.member.id
        path = file_path(stored)
        assert read_file(stored) == data
    # The path is the tenant's folder and a random key: nothing of the uploaded name.
    assert path.parent == Path(app.config["UPLOAD_DIR"]) / "files" / str(world.a.tenant.id)
    assert len(path.name) == 32 and kept_name.split(".")[0] not in str(path)
    assert files_on_disk(app) == [path]
    assert rows(world.b.tenant) == []


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Just some text pretending to be a PDF.\n", "report.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "holiday.png"),
        (b"%PDF" + b"\x00" * 10, "broken.pdf"),  # no version, no document
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.png"),  # a PNG signature and nothing readable
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_kept(world, app, data, name):
    with app.test_request_context(), tenant_scope(world.a.tenant), pytest.raises(UploadError) as refused:
        store_upload(upload(data, name))
    assert str(refused.value) == (
        "This file is not accepted. Only PDF files, Word documents (.docx), or images (PNG, JPEG, WebP, GIF) "
        "can be uploaded here."
    )
    db.session.rollback()
    assert rows(world.a.tenant) == [] and files_on_disk(app) == []


def zipped(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


WORD_TYPES = (
    '<Types><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


@pytest.mark.parametrize(
    "data",
    [
        zipped({"readme.txt": "a zip, not a Word file"}),
        zipped(
            {
                "[Content_Types].xml": WORD_TYPES.replace("document.main", "sheet.main"),
                "word/document.xml": "",
            }
        ),
        zipped({"[Content_Types].xml": WORD_TYPES, "word/document.xml": "", "word/vbaProject.bin": "macro"}),
        zipped({"[Content_Types].xml": WORD_TYPES}),
    ],
    ids=["plain zip", "not declared as Word", "with macros", "no document part"],
)
def test_only_a_real_word_document_passes_as_docx(world, app, data):
    with app.test_request_context(), pytest.raises(UploadError):
        check_upload(upload(data, "letter.docx"), allowed=["docx"])
    assert check_upload(
        upload(zipped({"[Content_Types].xml": WORD_TYPES, "word/document.xml": ""}), "x.docx")
    )


@pytest.mark.both_databases
def test_an_oversized_file_is_refused_with_the_limit_and_nothing_is_kept(world, app):
    data = image_bytes("PNG", size=(400, 400))
    with app.test_request_context(), tenant_scope(world.a.tenant):
        with pytest.raises(UploadError) as refused:
            store_upload(upload(data, "big.png"), max_bytes=1024)
        assert str(refused.value) == "The file may be at most 1 kB."
        with pytest.raises(UploadError, match="at most 8 MB"):
            store_upload(upload(b"%PDF-1.7\n" + b"\x00" * (8 * 1024 * 1024), "huge.pdf"))
        with pytest.raises(UploadError, match="The file is empty"):
            store_upload(upload(b"", "empty.pdf"))
    db.session.rollback()
    assert rows(world.a.tenant) == [] and rows(world.b.tenant) == [] and files_on_disk(app) == []


def test_the_messages_speak_dutch(world, app):
    with app.test_request_context(), force_locale("nl"):
        with pytest.raises(UploadError) as refused:
            check_upload(upload(pdf_bytes(), "plan.pdf"), allowed=("docx", "image"))
        assert str(refused.value) == (
            "Dit bestand wordt niet aangenomen. Hier kunnen alleen Word-documenten (.docx) of "
            "afbeeldingen (PNG, JPEG, WebP, GIF) worden geüpload."
        )
        with pytest.raises(UploadError) as refused:
            check_upload(
                upload(b"%PDF-1.7\n" + b"\x00" * (3 * 1024 * 1024), "plan.pdf"),
                max_bytes=int(2.5 * 1024 * 1024),
            )
        assert str(refused.value) == "Het bestand mag hoogstens 2,5 MB groot zijn."


def test_allowed_kinds_narrow_what_is_accepted(world, app):
    with app.test_request_context():
        assert (
            check_upload(upload(image_bytes("JPEG"), "photo.jpeg"), allowed=["image"]).file_type
            == IMAGES["image/jpeg"]
        )
        assert (
            check_upload(upload(image_bytes("WEBP"), "a.webp"), allowed=["image"]).file_type.kind == "image"
        )
        assert check_upload(upload(image_bytes("GIF"), "a.gif"), allowed=["image"]).file_type.kind == "image"
        with pytest.raises(UploadError, match="Only images"):
            check_upload(upload(pdf_bytes(), "plan.pdf"), allowed=["image"])
        assert check_upload(upload(pdf_bytes(), "plan"), allowed=["pdf"]).file_type == PDF
        with pytest.raises(ValueError, match="unknown kinds"):
            check_upload(upload(pdf_bytes(), "plan.pdf"), allowed=["pdf", "exe"])


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("holiday.exe", "holiday.png"),
        ("C:\\Users\\piet\\Bureaublad\\logo.PNG", "logo.PNG"),
        ('we"ird<>|name?.png', "weirdname.png"),
        ("  ..hidden.png  ", "hidden.png"),
        ("", "file.png"),
        ("no extension", "no extension.png"),
        ("a" * 300 + ".png", "a" * 196 + ".png"),
        ("Cafe\u0301 \x00\n.png", "Café.png"),
    ],
)
def test_the_kept_name_is_safe_and_its_extension_follows_the_content(name, kept):
    assert clean_name(name, IMAGES["image/png"]) == kept


def test_storing_needs_a_tenant_scope(world, app):
    with app.test_request_context(), pytest.raises(TenantScopeError):
        store_upload(upload(pdf_bytes(), "plan.pdf"))
    assert files_on_disk(app) == []


@pytest.mark.both_databases
def test_a_rolled_back_upload_leaves_no_file(world, app):
    with app.test_request_context(), tenant_scope(world.a.tenant):
        store_upload(upload(pdf_bytes(), "plan.pdf"))
        assert len(files_on_disk(app)) == 1
        db.session.rollback()
    assert files_on_disk(app) == [] and rows(world.a.tenant) == []


@pytest.mark.both_databases
def test_deleting_removes_the_file_after_the_commit_only(world, app):
    with app.test_request_context(), tenant_scope(world.a.tenant):
        kept = store_upload(upload(pdf_bytes(), "kept.pdf"))
        gone = store_upload(upload(docx_bytes(), "gone.docx"))
        db.session.commit()
        kept_path, gone_path = file_path(kept), file_path(gone)

        delete_file(db.session.get(StoredFile, gone.id))
        db.session.rollback()  # changed our mind: the file stays
        assert gone_path.exists()

        delete_file(db.session.get(StoredFile, gone.id))
        assert gone_path.exists()  # until the commit
        db.session.commit()
    assert files_on_disk(app) == [kept_path]
    assert [f.original_name for f in rows(world.a.tenant)] == ["kept.pdf"]


@pytest.mark.both_databases
def test_another_tenants_file_is_out_of_reach(world, app):
    with app.test_request_context(), tenant_scope(world.a.tenant):
        stored = store_upload(upload(pdf_bytes(), "plan.pdf"))
        db.session.commit()
        file_id = stored.id
    with tenant_scope(world.b.tenant):
        assert db.session.scalar(select(StoredFile).where(StoredFile.id == file_id)) is None
        assert rows(world.b.tenant) == []
