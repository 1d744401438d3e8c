"""Letters of intent: versioned text, and the signatures under each version.

A ``Letter`` belongs to its tenant (the owner: a regional network, or an initiative
group). The board edits the text; every change is a new ``LetterVersion`` kept with
who and when, and an edit started from an older version is refused (``StaleLetter``).
Signatures belong to the version signed: the parties are

* the owner itself and, for a network, its invited or active member associations
  (``tenant:<id>``), signed by a board member of that association with their account;
* named people asked by personal link (``person:<signatory id>``), such as an alderman.

One signature per party and version is the database's unique key, claimed with an
INSERT ... ON CONFLICT DO NOTHING, so two chairs pressing "sign" together leave one.
Signing for an invited association makes it a member of the network (joining is
signing). Leaving the network later keeps its signatures.

Services flush; the caller commits. An association's request reads and writes the
network's rows only inside a named ``unscoped`` crossing (``owner_scope``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kringwerk.accounts.models import Membership, Role
from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.networks.models import Letter, LetterVersion, Signatory, Signature
from kringwerk.tenancy.context import current_tenant_id, tenant_scope, unscoped
from kringwerk.tenancy.models import Affiliation, AffiliationStatus, Tenant, TenantKind
from kringwerk.tenants import affiliations

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_LINE = 200


class LetterError(ValueError):
    """A change to a letter that cannot be made; the message is for the user, ``field`` names the field."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleLetter(LetterError):
    """The text was changed by someone else since the form was opened."""


class AlreadySigned(LetterError):
    """This party signed this version already."""


@contextmanager
def owner_scope(owner_id: int, reason: str) -> Iterator[None]:
    """Work on the owner's rows: plainly when the owner is in scope, else as a named crossing."""
    if current_tenant_id() == owner_id:
        yield
        return
    with unscoped(reason), tenant_scope(owner_id):
        yield


def tenant_party(tenant_id: int) -> str:
    return f"tenant:{tenant_id}"


def person_party(signatory_id: int) -> str:
    return f"person:{signatory_id}"


# --- text and versions ----------------------------------------------------------------------


def _clean_text(title: str | None, text: str | None) -> tuple[str, str]:
    title = (title or "").strip()
    text = (text or "").strip().replace("\r\n", "\n")
    if not title:
        raise LetterError(_l("Enter a title."), field="title")
    if len(title) > MAX_TITLE:
        raise LetterError(_l("Use at most %(max)s characters.", max=MAX_TITLE), field="title")
    if not text:
        raise LetterError(_l("Enter the text of the letter."), field="text")
    if len(text) > MAX_TEXT:
        raise LetterError(_l("Use at most %(max)s characters.", max=MAX_TEXT), field="text")
    return title, text


def letters_query():
    """The letters of the tenant in scope, newest first."""
    return select(Letter).order_by(Letter.created_at.desc(), Letter.id.desc())


def create_letter(owner: Tenant, title: str, text: str, *, actor) -> Letter:
    """A new letter of ``owner`` (in scope) with its first version."""
    title, text = _clean_text(title, text)
    with tenant_scope(owner):
        letter = Letter(title=title)
        db.session.add(letter)
        db.session.flush()
        _add_version(letter, 1, title, text, actor)
        record("letter.created", actor=actor, target=letter, target_label=title)
        db.session.flush()
    return letter


def _add_version(letter: Letter, number: int, title: str, text: str, actor) -> LetterVersion:
    version = LetterVersion(
        letter_id=letter.id,
        number=number,
        title=title,
        text=text,
        created_by_id=getattr(actor, "id", None),
        created_by_name=getattr(actor, "name", None),
    )
    db.session.add(version)
    db.session.flush()
    return version


def current_version(letter: Letter) -> LetterVersion:
    """The letter's newest version (the one people sign now)."""
    return db.session.scalar(
        select(LetterVersion)
        .where(LetterVersion.tenant_id == letter.tenant_id, LetterVersion.letter_id == letter.id)
        .order_by(LetterVersion.number.desc())
        .limit(1)
    )


def versions(letter: Letter) -> list[tuple[LetterVersion, int]]:
    """Every version of the letter, newest first, with its number of signatures."""
    count = (
        select(func.count(Signature.id))
        .where(
            Signature.tenant_id == LetterVersion.tenant_id, Signature.letter_version_id == LetterVersion.id
        )
        .correlate(LetterVersion)
        .scalar_subquery()
    )
    return [
        (row[0], row[1])
        for row in db.session.execute(
            select(LetterVersion, count)
            .where(LetterVersion.tenant_id == letter.tenant_id, LetterVersion.letter_id == letter.id)
            .order_by(LetterVersion.number.desc())
        )
    ]


def revise(letter: Letter, title: str, text: str, *, based_on: int | None, actor) -> LetterVersion | None:
    """Keep a new version when the title or text changed; None when nothing changed.

    ``based_on`` is the version number the editor opened; a newer version in between
    refuses the edit (nobody overwrites a text they have not read).
    """
    title, text = _clean_text(title, text)
    with tenant_scope(letter.tenant_id):
        # Lock the letter's row: two boards members saving at once get numbers one after the other.
        db.session.scalar(select(Letter.id).where(Letter.id == letter.id).with_for_update())
        current = current_version(letter)
        if based_on != current.number:
            raise StaleLetter(
                _l(
                    "Someone saved version %(number)s of this letter while you were editing. "
                    "Read it and make your change again.",
                    number=current.number,
                ),
                field="text",
            )
        if title == current.title and text == current.text:
            return None
        version = _add_version(letter, current.number + 1, title, text, actor)
        letter.title = title
        record(
            "letter.revised",
            actor=actor,
            target=letter,
            target_label=title,
            details={"version": version.number},
        )
        db.session.flush()
    return version


# --- who signs ------------------------------------------------------------------------------


def member_letter(member: Tenant, affiliation: Affiliation, letter_id: int) -> Letter | None:
    """A letter of the network of ``affiliation`` (one of ``member``'s own), or None."""
    if affiliation.member_tenant_id != member.id:
        return None
    with unscoped(f"tenant {member.slug} reads letter {letter_id} of its network {affiliation.tenant_id}"):
        return db.session.scalar(
            select(Letter).where(Letter.id == letter_id, Letter.tenant_id == affiliation.tenant_id)
        )


def network_letters(member: Tenant, affiliation: Affiliation) -> list[Letter]:
    """The letters of the network of ``affiliation`` (one of ``member``'s own), newest first."""
    if affiliation.member_tenant_id != member.id:
        return []
    with unscoped(f"tenant {member.slug} lists the letters of its network {affiliation.tenant_id}"):
        return list(
            db.session.scalars(
                select(Letter)
                .where(Letter.tenant_id == affiliation.tenant_id)
                .order_by(Letter.created_at.desc(), Letter.id.desc())
            )
        )


def _is_admin(user, tenant_id: int) -> bool:
    with unscoped(f"is user {getattr(user, 'id', None)} a board member of tenant {tenant_id}"):
        return (
            db.session.scalar(
                select(Membership.id).where(
                    Membership.tenant_id == tenant_id,
                    Membership.user_id == user.id,
                    Membership.role == Role.ADMIN,
                )
            )
            is not None
        )


def _affiliation_of(letter: Letter, party: Tenant) -> Affiliation | None:
    with owner_scope(letter.tenant_id, f"letter {letter.id}: affiliation of signing tenant {party.slug}"):
        return db.session.scalar(
            select(Affiliation).where(
                Affiliation.tenant_id == letter.tenant_id, Affiliation.member_tenant_id == party.id
            )
        )


@dataclass(frozen=True)
class Typed:
    """What the signer typed."""

    full_name: str
    function: str
    organisation: str
    signed_on: date


def clean_typed(full_name, function, organisation, signed_on, *, today: date) -> Typed:
    values = {}
    for field, value in (("full_name", full_name), ("function", function), ("organisation", organisation)):
        value = " ".join((value or "").split())
        if not value:
            raise LetterError(
                {
                    "full_name": _l("Type your full name."),
                    "function": _l("Enter your function."),
                    "organisation": _l("Enter the organisation you sign for."),
                }[field],
                field=field,
            )
        if len(value) > MAX_LINE:
            raise LetterError(_l("Use at most %(max)s characters.", max=MAX_LINE), field=field)
        values[field] = value
    if not isinstance(signed_on, date):
        raise LetterError(_l("Enter the date of signing."), field="signed_on")
    if signed_on > today:
        raise LetterError(_l("The date of signing cannot lie in the future."), field="signed_on")
    return Typed(signed_on=signed_on, **values)


def _check_version(letter: Letter, version_number: int | None) -> LetterVersion:
    current = current_version(letter)
    if version_number != current.number:
        raise StaleLetter(
            _l(
                "The text was changed while you were reading it; this is version %(number)s. "
                "Read it before you sign.",
                number=current.number,
            )
        )
    return current


def _claim(version: LetterVersion, party: str, typed: Typed, **ids) -> Signature:
    """Insert the signature unless the party signed this version already (then AlreadySigned).

    The unique key decides: of two parallel signings, the second waits for the first
    (PostgreSQL) or for the write lock (SQLite) and then fails on the key, inside a
    savepoint, so the rest of the transaction stays usable.
    """
    if signature_of(version, party) is not None:
        raise AlreadySigned(_l("This version has already been signed for %(name)s.", name=typed.organisation))
    signature = Signature(
        tenant_id=version.tenant_id,
        letter_version_id=version.id,
        party=party,
        full_name=typed.full_name,
        function=typed.function,
        organisation=typed.organisation,
        signed_on=typed.signed_on,
        signed_at=utcnow(),
        **ids,
    )
    try:
        with db.session.begin_nested():
            db.session.add(signature)
            db.session.flush()
    except IntegrityError:
        if signature_of(version, party) is None:
            raise
        raise AlreadySigned(
            _l("This version has already been signed for %(name)s.", name=typed.organisation)
        ) from None
    return signature


def sign_for_tenant(
    letter: Letter, party: Tenant, typed: Typed, *, user, version_number: int | None
) -> Signature:
    """``user``, a board member of ``party``, signs the current version for it.

    ``party`` is the letter's own tenant, or an association invited into or active in the
    network that owns the letter. An invited association joins the network by signing.
    """
    if user is None or not _is_admin(user, party.id):
        raise LetterError(_l("Only a board member of %(name)s can sign for it.", name=party.name))
    affiliation = None
    if party.id != letter.tenant_id:
        affiliation = _affiliation_of(letter, party)
        if affiliation is None or affiliation.status == AffiliationStatus.LEFT:
            raise LetterError(_l("%(name)s is not invited into this network.", name=party.name))
    reason = f"tenant {party.slug} signs letter {letter.id} of tenant {letter.tenant_id}"
    with owner_scope(letter.tenant_id, reason):
        version = _check_version(letter, version_number)
        signature = _claim(version, tenant_party(party.id), typed, member_tenant_id=party.id, user_id=user.id)
        details = {"version": version.number, "party": tenant_party(party.id), "letter": letter.id}
        # Named explicitly: inside a crossing nothing stamps the entry with the owner.
        record(
            "letter.signed",
            actor=user,
            target=letter,
            target_label=letter.title,
            details=details,
            tenant=db.session.get(Tenant, letter.tenant_id),
        )
        db.session.flush()
    if party.id != letter.tenant_id:
        with tenant_scope(party):
            record("letter.signed", actor=user, target=letter, target_label=letter.title, details=details)
            db.session.flush()
        if affiliation.status == AffiliationStatus.INVITED and party.kind != TenantKind.REGION:
            affiliations.accept(party, affiliation, actor=user)
    return signature


def sign_by_link(signatory: Signatory, typed: Typed, *, user=None, version_number: int | None) -> Signature:
    """The named person behind a personal link signs the current version (in the owner's scope)."""
    letter = db.session.get(Letter, signatory.letter_id)
    with tenant_scope(letter.tenant_id):
        version = _check_version(letter, version_number)
        signature = _claim(
            version,
            person_party(signatory.id),
            typed,
            signatory_id=signatory.id,
            user_id=getattr(user, "id", None),
        )
        record(
            "letter.signed",
            actor=user,
            target=letter,
            target_label=letter.title,
            details={"version": version.number, "party": person_party(signatory.id), "letter": letter.id},
        )
        db.session.flush()
    return signature


def signatures(version: LetterVersion) -> list[Signature]:
    """The signatures under ``version``, in the order they were made."""
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.tenant_id == version.tenant_id, Signature.letter_version_id == version.id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )


def signature_of(version: LetterVersion, party: str) -> Signature | None:
    return db.session.scalar(
        select(Signature).where(
            Signature.tenant_id == version.tenant_id,
            Signature.letter_version_id == version.id,
            Signature.party == party,
        )
    )


def latest_signatures(owner: Tenant) -> dict[int, tuple[date, int]]:
    """Per member tenant id: the date it last signed any of ``owner``'s letters, and the version number."""
    rows = db.session.execute(
        select(Signature.member_tenant_id, Signature.signed_on, LetterVersion.number)
        .join(
            LetterVersion,
            (LetterVersion.tenant_id == Signature.tenant_id)
            & (LetterVersion.id == Signature.letter_version_id),
        )
        .where(Signature.tenant_id == owner.id, Signature.member_tenant_id.is_not(None))
        .order_by(Signature.signed_at, Signature.id)
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}
