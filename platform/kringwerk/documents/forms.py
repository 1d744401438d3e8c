"""A form validator for file fields, so a refused upload shows next to its field
(the form answers 422 and keeps what was typed) before anything is stored."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.validators import ValidationError

from kringwerk.documents.services import DEFAULT_ALLOWED, DEFAULT_MAX_BYTES, UploadError, check_upload


class AcceptedUpload:
    """``FileField(..., validators=[AcceptedUpload(allowed=("pdf",))])``: the chosen file
    passes ``check_upload``. No file passes too (add ``FileRequired`` to demand one).
    The stream is rewound, so ``store_upload`` reads the file again from its start."""

    def __init__(self, allowed: Iterable[str] = DEFAULT_ALLOWED, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.allowed = tuple(allowed)
        self.max_bytes = max_bytes

    def __call__(self, form, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        try:
            check_upload(upload, allowed=self.allowed, max_bytes=self.max_bytes)
        except UploadError as error:
            raise ValidationError(str(error)) from None
        finally:
            upload.stream.seek(0)
