"""Uploaded files kept per tenant: checked by content and size, stored under a
random name in ``UPLOAD_DIR/files/<tenant id>/``, removed with their row.

The caller shows an ``UploadError`` next to its file field and records its own
audit action (it knows what the file is for); the file follows the transaction
(see ``disk``): a rolled-back upload leaves no file, a deleted row's file goes
once the deletion commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

from babel.lists import format_list
from flask import current_app, has_request_context
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kringwerk.documents import disk
from kringwerk.documents.filetypes import KIND_LABELS, FileType, detect
from kringwerk.documents.models import StoredFile
from kringwerk.extensions import db
from kringwerk.tenancy.context import TenantScopeError, current_tenant_id

DEFAULT_ALLOWED = ("pdf", "docx", "image")
# Below the request limit (MAX_CONTENT_LENGTH, 10 MB), which a form around the file needs room in.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_NAME = 200
# Extensions a kept name may already carry for its type; any other gets the type's own.
NAME_EXTENSIONS = {
    "application/pdf": {".pdf"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg", ".jfif"},
    "image/webp": {".webp"},
    "image/gif": {".gif"},
}


class UploadError(ValueError):
    """An upload we refuse; ``str(error)`` is the message to show next to the field."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class Upload(Protocol):
    """A werkzeug ``FileStorage`` (what ``request.files`` and Flask-WTF's FileField give)."""

    filename: str | None
    stream: object


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    file_type: FileType
    name: str


def check_upload(
    upload: Upload, *, allowed: Iterable[str] = DEFAULT_ALLOWED, max_bytes: int = DEFAULT_MAX_BYTES
) -> CheckedUpload:
    """Read ``upload`` and check it: not empty, at most ``max_bytes``, and by its content
    one of the ``allowed`` kinds (``pdf``, ``docx``, ``image``). Raises ``UploadError``."""
    allowed = tuple(allowed)
    unknown = set(allowed) - KIND_LABELS.keys()
    if unknown:
        raise ValueError(f"unknown kinds of file: {sorted(unknown)}")
    data = upload.stream.read(max_bytes + 1)
    if not data:
        raise UploadError(_l("The file is empty; choose another file."))
    if len(data) > max_bytes:
        raise UploadError(_l("The file may be at most %(size)s.", size=human_size(max_bytes)))
    file_type = detect(data)
    if file_type is None or file_type.kind not in allowed:
        raise UploadError(
            _l("This file is not accepted. Only %(kinds)s can be uploaded here.", kinds=kinds_label(allowed))
        )
    return CheckedUpload(data=data, file_type=file_type, name=clean_name(upload.filename, file_type))


def store_upload(
    upload: Upload,
    *,
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    max_bytes: int = DEFAULT_MAX_BYTES,
    uploaded_by=None,
) -> StoredFile:
    """Check ``upload`` (see ``check_upload``) and keep it for the tenant in scope.

    Returns the new ``StoredFile`` (flushed, so it has an id). ``uploaded_by``
    defaults to the signed-in user. The caller commits.
    """
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("store_upload needs a tenant scope")
    checked = check_upload(upload, allowed=allowed, max_bytes=max_bytes)
    if uploaded_by is None and has_request_context() and current_user.is_authenticated:
        uploaded_by = current_user._get_current_object()

    key = secrets.token_hex(16)
    path = tenant_folder(tenant_id) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as out:  # a fresh random key: never overwrite
        out.write(checked.data)
    disk.remove_after_rollback(path)

    stored = StoredFile(
        original_name=checked.name,
        content_type=checked.file_type.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        storage_key=key,
        uploaded_by=uploaded_by,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def delete_file(stored: StoredFile) -> None:
    """Delete the row now and its file once that commits. The caller commits."""
    disk.remove_after_commit(file_path(stored))
    db.session.delete(stored)
    db.session.flush()


def tenant_folder(tenant_id: int) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "files" / str(int(tenant_id))


def file_path(stored: StoredFile) -> Path:
    """Where the bytes of ``stored`` lie; built from ids and the random key only."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored.storage_key):
        raise ValueError("not a storage key")
    return tenant_folder(stored.tenant_id) / stored.storage_key


def read_file(stored: StoredFile) -> bytes:
    return file_path(stored).read_bytes()


def clean_name(filename: str | None, file_type: FileType) -> str:
    """The uploaded name made safe to show and offer as a download name: no folders,
    no control or reserved characters, at most 200 characters, and an extension that
    matches the content (``photo.exe`` holding a PNG becomes ``photo.png``)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"*:<>?|')
    name = " ".join(name.split()).strip(". ")
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    if suffix.lower() not in NAME_EXTENSIONS.get(file_type.content_type, {file_type.extension}):
        suffix = file_type.extension  # the content decides the extension
    stem = stem[: MAX_NAME - len(suffix)].strip(". ") or "file"
    return stem + suffix


def kinds_label(kinds: Iterable[str]) -> str:
    """``PDF files or Word documents (.docx)`` in the current language."""
    return format_list([str(KIND_LABELS[kind]) for kind in kinds], style="or", locale=get_locale() or "nl")


def human_size(size: int) -> str:
    """``8 MB``, ``500 kB`` in the current language's number format."""
    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"
    return f"{format_decimal(max(1, round(size / 1024)))} kB"
