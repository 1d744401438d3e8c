"""StoredFile: an uploaded file kept for a tenant (the bytes lie on disk, see ``services``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kringwerk.extensions import db, utcnow
from kringwerk.sqltypes import UTCDateTime
from kringwerk.tenancy.models import TenantScoped

INLINE_TYPES = ("application/pdf", "image/")


class StoredFile(TenantScoped, db.Model):
    """One uploaded file of a tenant.

    ``content_type`` is what the content turned out to be (never what the browser
    claimed); ``original_name`` is the cleaned name it was uploaded under, shown and
    offered as the download name but never used for the path; ``storage_key`` is the
    random name of the file under ``UPLOAD_DIR/files/<tenant id>/``.
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("User")

    @property
    def inline(self) -> bool:
        """Whether a browser may show it in place (a PDF, an image) rather than download it."""
        return self.content_type.startswith(INLINE_TYPES)

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.content_type}>"
