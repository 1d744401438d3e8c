"""The standing entrepreneurs' panel of a tenant: contact persons who agreed to be
asked (for polls, the MKB-toets, ...), added one by one, in bulk from a directory
filter or a selection, or from a CSV file, and the e-mail link to leave it.

Leaving keeps the row (``left_at``) so the trail shows when; joining again
clears it. Only contact persons with an e-mail address can be asked, so only they
are added. The leave link carries a token of the core token service (purpose
``panel.opt_out``, subject = the contact person), expiring after
``OPT_OUT_TTL``; opening it changes nothing, confirming it (POST) leaves.

Everything works in the tenant in scope and without a request; nothing commits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.members import csv_io
from kringwerk.members.directory import DirectoryFilters, directory_query
from kringwerk.members.models import Company, ContactPerson, PanelMember
from kringwerk.members.services import MembersError
from kringwerk.tokens import services as tokens
from kringwerk.web.urls import external_url

OPT_OUT_PURPOSE = "panel.opt_out"
OPT_OUT_TTL = timedelta(days=90)
CHUNK = 500  # ids per IN (SQLite limits bound parameters)


class PanelError(MembersError):
    """A panel change that cannot be made; the message is meant for the user."""


# --- one person ---------------------------------------------------------------------------


def membership(contact: ContactPerson) -> PanelMember | None:
    """The panel row of ``contact`` (active or left), if any."""
    return db.session.scalar(select(PanelMember).where(PanelMember.contact_person_id == contact.id))


def is_active(contact: ContactPerson) -> bool:
    row = membership(contact)
    return row is not None and row.left_at is None


def join(contact: ContactPerson, *, actor=None) -> PanelMember:
    """Put ``contact`` on the panel (again); already active: nothing changes."""
    row = membership(contact)
    if row is not None and row.left_at is None:
        return row
    if row is None:
        row = PanelMember(contact_person_id=contact.id)
        db.session.add(row)
    else:
        row.left_at = None
        row.joined_at = utcnow()
    db.session.flush()
    record("panel.joined", actor=actor, target=contact, details={"contact_person_id": contact.id})
    return row


def leave(contact: ContactPerson, *, actor=None, via: str | None = None) -> bool:
    """Take ``contact`` off the panel; False when it was not on it."""
    row = membership(contact)
    if row is None or row.left_at is not None:
        return False
    row.left_at = utcnow()
    db.session.flush()
    details = {"contact_person_id": contact.id}
    if via:
        details["via"] = via
    record("panel.left", actor=actor, target=contact, details=details)
    return True


# --- reading ------------------------------------------------------------------------------


def _active() -> Select:
    return select(PanelMember.contact_person_id).where(PanelMember.left_at.is_(None))


def active_panel() -> Select:
    """Rows of (PanelMember, ContactPerson) for the active panel, by name."""
    return (
        select(PanelMember, ContactPerson)
        .join(ContactPerson, ContactPerson.id == PanelMember.contact_person_id)
        .where(PanelMember.left_at.is_(None))
        .order_by(func.lower(ContactPerson.name), ContactPerson.id)
    )


def panel_contacts() -> Select:
    """The contact persons on the panel now, by name (a plugin's audience)."""
    return (
        select(ContactPerson)
        .where(ContactPerson.id.in_(_active()))
        .order_by(func.lower(ContactPerson.name), ContactPerson.id)
    )


def panel_contact_ids() -> Select:
    """SELECT of the contact person ids on the panel now, for ``column.in_(...)``."""
    return _active()


def active_contact_ids(contact_ids: Iterable[int]) -> set[int]:
    """Which of ``contact_ids`` are on the panel now (one query per 500)."""
    ids = list(dict.fromkeys(contact_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            db.session.scalars(_active().where(PanelMember.contact_person_id.in_(ids[start : start + CHUNK])))
        )
    return found


def _has_email():
    return ContactPerson.email.is_not(None) & (ContactPerson.email != "")


def candidates(filters: DirectoryFilters) -> Select:
    """Contact persons with an e-mail address, of the companies the directory shows for
    ``filters``, who are not on the panel now; by name, company loaded by the caller."""
    companies = directory_query(filters).with_only_columns(Company.id).order_by(None)
    return (
        select(ContactPerson)
        .where(ContactPerson.company_id.in_(companies), _has_email(), ContactPerson.id.not_in(_active()))
        .order_by(func.lower(ContactPerson.name), ContactPerson.id)
    )


# --- in bulk -------------------------------------------------------------------------------


@dataclass
class BulkResult:
    """What a bulk addition did: ``added`` were put on (or back on) the panel, ``already``
    were on it. A CSV with ``errors`` adds nobody."""

    added: int = 0
    already: int = 0
    errors: list[csv_io.RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _put_on_panel(contact_ids: list[int]) -> tuple[list[int], int]:
    """Put each contact on the panel; returns (ids added, how many were on it already)."""
    existing: dict[int, PanelMember] = {}
    for start in range(0, len(contact_ids), CHUNK):
        part = contact_ids[start : start + CHUNK]
        existing.update(
            (row.contact_person_id, row)
            for row in db.session.scalars(select(PanelMember).where(PanelMember.contact_person_id.in_(part)))
        )
    added: list[int] = []
    already = 0
    now = utcnow()
    for contact_id in contact_ids:
        row = existing.get(contact_id)
        if row is None:
            db.session.add(PanelMember(contact_person_id=contact_id, joined_at=now))
        elif row.left_at is not None:
            row.left_at = None
            row.joined_at = now
        else:
            already += 1
            continue
        added.append(contact_id)
    db.session.flush()
    return added, already


def _add_in_bulk(contact_ids: list[int], *, actor, source: str, **details) -> BulkResult:
    added, already = _put_on_panel(list(dict.fromkeys(contact_ids)))
    record(
        "panel.added_in_bulk",
        actor=actor,
        target_label=details.get("filename"),
        details={"source": source, "added": len(added), "already": already, "contact_ids": added, **details},
    )
    return BulkResult(added=len(added), already=already)


def add_selected(contact_ids: Iterable[int], *, actor) -> BulkResult:
    """Add the chosen contact persons. An id that is not a contact person with an e-mail
    address in this tenant (another tenant's, say) refuses the whole choice."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    if not ids:
        raise PanelError(_l("Choose at least one person."), "contact_person_id")
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found.update(
            db.session.scalars(select(ContactPerson.id).where(ContactPerson.id.in_(part), _has_email()))
        )
    if len(found) != len(ids):
        raise PanelError(
            _l("Some of the chosen people cannot be found or have no e-mail address; nobody was added."),
            "contact_person_id",
        )
    return _add_in_bulk(ids, actor=actor, source="selection")


def add_filtered(filters: DirectoryFilters, *, actor) -> BulkResult:
    """Add every contact person with an e-mail address of the companies matching the
    directory ``filters`` (the whole directory when no filter is set)."""
    companies = directory_query(filters).with_only_columns(Company.id).order_by(None)
    ids = list(
        db.session.scalars(
            select(ContactPerson.id)
            .where(ContactPerson.company_id.in_(companies), _has_email())
            .order_by(ContactPerson.id)
        )
    )
    criteria = {
        key: value
        for key, value in {
            "q": filters.q,
            "park_id": filters.park_id,
            "circle_id": filters.circle_id,
            "sector": filters.sector,
            "theme_id": filters.theme_id,
        }.items()
        if value
    }
    return _add_in_bulk(ids, actor=actor, source="filter", filters=criteria)


# --- from a CSV file ----------------------------------------------------------------------

# Header spellings (compared without spaces, dashes, underscores and dots).
EMAIL_HEADERS = {"email", "emailadres", "emailaddress", "mail", "mailadres"}
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
ID_HEADERS = {"id", "contactid", "contactpersoonid", "contactpersonid", "nummer", "number"}


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-'’.]", "", text.strip().strip('"').lower())


def _read_rows(data: bytes) -> list[tuple[int, str, str]]:
    """The file's rows as (row number, column as written, value). A first row naming a
    column "email" or "id" is the header; without one, every row's first cell is the value."""
    text = csv_io.decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_io.detect_delimiter(text))
    try:
        records = [(n, cells) for n, cells in enumerate(reader, start=1) if any(c.strip() for c in cells)]
    except csv.Error:
        raise csv_io.ImportFileError(
            _l("The file could not be read as CSV. Check its quotes and separators.")
        ) from None
    if not records:
        raise csv_io.ImportFileError(_l("The file is empty."))
    first = [cell.strip() for cell in records[0][1]]
    keys = [_header_key(cell) for cell in first]
    id_column = next((i for i, key in enumerate(keys) if key in ID_HEADERS), None)
    email_column = next((i for i, key in enumerate(keys) if key in EMAIL_HEADERS), None)
    if id_column is None and email_column is None:
        if not (first[0].isdigit() or "@" in first[0]):
            raise csv_io.ImportFileError(
                _l(
                    "The first row names no column “email” or “id”. Put one person on each row: "
                    "an e-mail address or the number of a contact person."
                )
            )
        return [(number, "", cells[0].strip()) for number, cells in records]

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows = []
    for number, cells in records[1:]:
        if cell(cells, id_column):
            rows.append((number, first[id_column], cell(cells, id_column)))
        else:
            column = first[email_column] if email_column is not None else first[id_column]
            rows.append((number, column, cell(cells, email_column)))
    return rows


def add_from_csv(data: bytes, *, actor, filename: str | None = None) -> BulkResult:
    """Check every row of a CSV of e-mail addresses or contact person numbers, then
    (only if every row is fine) add them. Row problems come back in ``errors`` and
    nothing is added; ``csv_io.ImportFileError`` when the file itself is unusable."""
    rows = _read_rows(data)
    if len(rows) > csv_io.MAX_ROWS:
        raise csv_io.ImportFileError(
            _l(
                "The file has %(count)s rows; at most %(max)s can be imported at once. Split it into smaller files.",
                count=len(rows),
                max=csv_io.MAX_ROWS,
            )
        )
    result = BulkResult(rows=len(rows))

    def error(number, column, value, message) -> None:
        result.errors.append(csv_io.RowError(number, column, value, str(message)))

    wanted: list[tuple[int, str, str, int | str]] = []  # (row, column, value, id or e-mail)
    for number, column, value in rows:
        if not value:
            error(number, column, value, _l("Give an e-mail address or the number of a contact person."))
        elif value.isdigit():
            wanted.append((number, column, value, int(value)))
        elif ADDRESS.match(value):
            # Only looked up, never stored: a lenient shape check is enough (and lets
            # through addresses the validator would refuse but contacts may hold).
            wanted.append((number, column, value, value.lower()))
        else:
            error(number, column, value, _l("Enter an e-mail address such as name@example.nl."))

    by_id = _contacts_by_id([key for *_, key in wanted if isinstance(key, int)])
    by_email = _contacts_by_email([key for *_, key in wanted if isinstance(key, str)])
    contact_ids: list[int] = []
    for number, column, value, key in wanted:
        if isinstance(key, str):
            if key in by_email:
                contact_ids.extend(by_email[key])
            else:
                error(number, column, value, _l("No contact person has this e-mail address."))
            continue
        contact = by_id.get(key)
        if contact is None:
            # Another tenant's number finds nothing here, just as an unknown one.
            error(number, column, value, _l("There is no contact person with number %(number)s.", number=key))
        elif not contact.email:
            error(
                number,
                column,
                value,
                _l("%(name)s has no e-mail address, so cannot be asked.", name=contact.name),
            )
        else:
            contact_ids.append(contact.id)
    if result.errors:
        result.errors.sort(key=lambda problem: problem.row)
        return result
    done = _add_in_bulk(contact_ids, actor=actor, source="csv", filename=filename)
    result.added, result.already = done.added, done.already
    return result


def _contacts_by_id(ids: list[int]) -> dict[int, ContactPerson]:
    found: dict[int, ContactPerson] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found.update(
            (c.id, c) for c in db.session.scalars(select(ContactPerson).where(ContactPerson.id.in_(part)))
        )
    return found


def _contacts_by_email(emails: list[str]) -> dict[str, list[int]]:
    """Contact person ids by lower-cased e-mail address (one person may be a contact of two companies)."""
    found: dict[str, list[int]] = {}
    for start in range(0, len(emails), CHUNK):
        part = emails[start : start + CHUNK]
        for contact_id, email in db.session.execute(
            select(ContactPerson.id, func.lower(ContactPerson.email))
            .where(func.lower(ContactPerson.email).in_(part))
            .order_by(ContactPerson.id)
        ):
            found.setdefault(email, []).append(contact_id)
    return found


# --- leaving by e-mail link ----------------------------------------------------------------


def opt_out_url(contact: ContactPerson | int) -> str:
    """A fresh link (BASE_URL based, also in a job) for the contact person to leave the
    panel of the tenant in scope; it expires after ``OPT_OUT_TTL``."""
    contact_id = contact if isinstance(contact, int) else contact.id
    raw = tokens.issue(OPT_OUT_PURPOSE, contact_id, ttl=OPT_OUT_TTL)
    return external_url("panel.leave", token=raw)


def contact_for_opt_out(raw: str) -> ContactPerson | None:
    """The contact person a live leave link names, in the tenant in scope; None for an
    unknown, expired or revoked link and for one of another tenant."""
    token = tokens.resolve(OPT_OUT_PURPOSE, raw)
    if token is None:
        return None
    return db.session.scalar(select(ContactPerson).where(ContactPerson.id == token.subject_id))


def leave_by_link(raw: str) -> ContactPerson | None:
    """Leave the panel with a leave link (the POST after the confirmation); returns the
    contact person, or None when the link does not work. Leaving twice is harmless."""
    token = tokens.resolve(OPT_OUT_PURPOSE, raw)
    if token is None:
        return None
    contact = db.session.scalar(select(ContactPerson).where(ContactPerson.id == token.subject_id))
    if contact is None:
        return None
    leave(contact, actor=None, via="email_link")
    tokens.mark_used(token)
    return contact


# --- personal data (AVG) -------------------------------------------------------------------


def export_for(contact_ids: Iterable[int]) -> list[dict]:
    """The panel rows of these contact persons, JSON-ready."""
    ids = list(contact_ids)
    if not ids:
        return []
    rows = db.session.scalars(
        select(PanelMember).where(PanelMember.contact_person_id.in_(ids)).order_by(PanelMember.id)
    )
    return [
        {
            "contact_person_id": row.contact_person_id,
            "joined_at": row.joined_at.isoformat() if row.joined_at else None,
            "left_at": row.left_at.isoformat() if row.left_at else None,
        }
        for row in rows
    ]


def erase_for(contact_ids: Iterable[int]) -> int:
    """Delete the panel rows of these contact persons and revoke their leave links; returns
    how many rows went."""
    ids = list(contact_ids)
    if not ids:
        return 0
    rows = db.session.scalars(select(PanelMember).where(PanelMember.contact_person_id.in_(ids))).all()
    for row in rows:
        db.session.delete(row)
    for contact_id in ids:
        tokens.revoke(OPT_OUT_PURPOSE, contact_id)
    db.session.flush()
    return len(rows)
