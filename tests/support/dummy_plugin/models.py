"""A tenant-owned note, so the dummy plugin has data of its own."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kringwerk.extensions import db
from kringwerk.tenancy.models import TenantScoped


class DummyNote(TenantScoped, db.Model):
    __tablename__ = "dummy_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    author_email: Mapped[str | None] = mapped_column(String(254))
