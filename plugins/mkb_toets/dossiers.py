"""Opening a dossier and reading it back: the note, the numbered sections of the
draft (typed, or pasted and split on blank lines), the attachment, and who may see
what (a draft is for the municipality and the board only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from kringwerk.plugin_api import Role, StoredFile, Theme, db, delete_file, record
from plugins.mkb_toets.models import Dossier, DossierSection, Phase
from plugins.mkb_toets.phases import start_timeline

STAFF = (Role.ADMIN, Role.MUNICIPALITY)
MAX_SECTIONS = 200


class DossierError(ValueError):
    """Input the dossier refuses; ``str()`` is the message for the user."""


@dataclass
class Note:
    """What a municipality official fills in to open a dossier."""

    title: str
    policy_area: str | None = None
    problem: str | None = None
    proposal: str | None = None
    affected: str | None = None
    expected_effect: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    consultation_closes_at: datetime | None = None
    answer_due_at: datetime | None = None
    theme_ids: tuple[int, ...] = ()


def split_sections(text: str) -> list[tuple[str, str]]:
    """Pasted draft text → (heading, body) per section: blocks separated by blank lines,
    the first line of each block its heading (a leading "1.", "Artikel 2" number dropped)."""
    sections = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        heading = re.sub(r"^(artikel|article|§)?\s*\d+[.)]?\s*", "", lines[0], flags=re.IGNORECASE).strip()
        sections.append(((heading or lines[0])[:200], "\n".join(lines[1:])))
    return sections


def _apply(dossier: Dossier, note: Note) -> None:
    title = (note.title or "").strip()
    if not title:
        raise DossierError(_l("Give the dossier a title."))
    if (
        note.answer_due_at
        and note.consultation_closes_at
        and note.answer_due_at < note.consultation_closes_at
    ):
        raise DossierError(_l("The answer cannot be due before the consultation closes."))
    dossier.title = title[:200]
    for field in ("policy_area", "problem", "proposal", "affected", "expected_effect", "contact_name"):
        value = (getattr(note, field) or "").strip() or None
        setattr(dossier, field, value)
    dossier.contact_email = (note.contact_email or "").strip().lower() or None
    dossier.consultation_closes_at = note.consultation_closes_at
    dossier.answer_due_at = note.answer_due_at
    wanted = set(note.theme_ids)
    dossier.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted)))) if wanted else []


def open_dossier(
    note: Note, *, actor, sections_text: str = "", attachment: StoredFile | None = None
) -> Dossier:
    """A new dossier in draft, its sections split from ``sections_text``; the caller commits."""
    dossier = Dossier(phase=Phase.DRAFT, created_by_id=getattr(actor, "id", None))
    _apply(dossier, note)
    if attachment is not None:
        dossier.attachment_id = attachment.id
    db.session.add(dossier)
    db.session.flush()
    if sections_text.strip():
        replace_sections(dossier, split_sections(sections_text))
    start_timeline(dossier, actor=actor)
    record("mkb-toets.dossier_opened", actor=actor, target=dossier, target_label=dossier.title)
    return dossier


def update_note(dossier: Dossier, note: Note, *, actor) -> None:
    if dossier.phase != Phase.DRAFT:
        raise DossierError(_l("Only a draft can be changed; the panel is judging this version."))
    _apply(dossier, note)
    record("mkb-toets.dossier_changed", actor=actor, target=dossier, target_label=dossier.title)


# While the panel has not seen the draft, its file may be replaced; once the consultation
# has opened, the file is what the panel judged and stays.
ATTACHMENT_REPLACEABLE = (Phase.DRAFT,)


def replace_attachment(dossier: Dossier, stored: StoredFile, *, actor) -> None:
    """Make ``stored`` (just uploaded) the draft's file; the previous file's row goes now
    and its bytes after the commit (a rollback keeps them). The caller commits."""
    if dossier.phase not in ATTACHMENT_REPLACEABLE:
        raise DossierError(_l("The file can only be replaced while the dossier is a draft."))
    old = db.session.get(StoredFile, dossier.attachment_id) if dossier.attachment_id else None
    dossier.attachment_id = stored.id
    db.session.flush()
    if old is not None:
        delete_file(old)
    record(
        "mkb-toets.attachment_replaced",
        actor=actor,
        target=dossier,
        target_label=dossier.title,
        details={
            "old": old.original_name if old is not None else None,
            "new": stored.original_name,
            "size": stored.size,
        },
    )


def replace_sections(dossier: Dossier, sections: list[tuple[str, str]]) -> None:
    """Number ``sections`` 1, 2, … as the draft's sections (only while it is a draft)."""
    if dossier.phase != Phase.DRAFT:
        raise DossierError(_l("Only a draft can be changed; the panel is judging this version."))
    if len(sections) > MAX_SECTIONS:
        raise DossierError(_l("A draft has at most %(count)d sections.", count=MAX_SECTIONS))
    for old in list(dossier.sections):
        dossier.sections.remove(old)
    db.session.flush()
    for number, (heading, body) in enumerate(sections, start=1):
        dossier.sections.append(
            DossierSection(
                dossier_id=dossier.id, number=number, heading=heading.strip()[:200] or str(number), body=body
            )
        )
    db.session.flush()


def only_visible(statement: Select, role: Role | None) -> Select:
    """``statement`` (reading dossiers) kept to those a member with ``role`` sees: drafts
    only for the staff."""
    if role not in STAFF:
        statement = statement.where(Dossier.phase != Phase.DRAFT)
    return statement


def visible_to(role: Role | None) -> Select:
    """The dossiers a member with ``role`` sees, newest first: drafts only for the staff."""
    return only_visible(select(Dossier).order_by(Dossier.created_at.desc(), Dossier.id.desc()), role)


def dossier_for(dossier_id: int, role: Role | None) -> Dossier | None:
    """The dossier if it exists in this tenant and ``role`` may see it, else None."""
    return db.session.scalar(visible_to(role).where(Dossier.id == dossier_id))
