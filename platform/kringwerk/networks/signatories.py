"""People asked to sign a letter by personal link: an alderman, a resident of the park.

A ``Signatory`` belongs to the letter's tenant; their link (``networks.sign``) is a token
of that tenant, mailed through ``jobs.send_signatory_mail`` after the commit. The link
stays usable to read the letter and download it once signed. Services flush; the caller
commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kringwerk.audit.services import record
from kringwerk.extensions import db, utcnow
from kringwerk.jobs import enqueue
from kringwerk.networks.letters import MAX_LINE, LetterError
from kringwerk.networks.models import SIGN_LINK, Letter, Signatory
from kringwerk.tenancy.context import tenant_scope
from kringwerk.tenants import services as tenant_services
from kringwerk.tokens import services as tokens


def _line(value: str | None, field: str, message, *, required: bool = True) -> str | None:
    value = " ".join((value or "").split())
    if required and not value:
        raise LetterError(message, field=field)
    if len(value) > MAX_LINE:
        raise LetterError(_l("Use at most %(max)s characters.", max=MAX_LINE), field=field)
    return value or None


def add_signatory(
    letter: Letter, *, name: str, function: str, organisation: str | None, email: str, actor
) -> Signatory:
    """Ask a named person to sign ``letter`` and queue their mail (the tenant in scope owns it)."""
    name = _line(name, "name", _l("Enter the name."))
    function = _line(function, "function", _l("Enter the function, such as alderman for economic affairs."))
    organisation = _line(organisation, "organisation", None, required=False)
    try:
        email = tenant_services.clean_contact_email(email)
    except tenant_services.TenantError as error:
        raise LetterError(error.message, field="email") from None
    if not email:
        raise LetterError(_l("Enter a valid e-mail address."), field="email")
    with tenant_scope(letter.tenant_id):
        taken = db.session.scalar(
            select(Signatory.id).where(Signatory.letter_id == letter.id, Signatory.email == email.lower())
        )
        if taken is not None:
            raise LetterError(_l("%(email)s has already been asked to sign.", email=email), field="email")
        signatory = Signatory(
            letter_id=letter.id, name=name, function=function, organisation=organisation, email=email.lower()
        )
        db.session.add(signatory)
        db.session.flush()
        record(
            "letter.signatory_added",
            actor=actor,
            target=letter,
            target_label=name,
            details={"function": function, "letter": letter.id},
        )
        queue_mail(letter, signatory)
    return signatory


def queue_mail(letter: Letter, signatory: Signatory) -> None:
    """A fresh link (older ones stop working) and the mail, sent after the commit."""
    from kringwerk.networks.jobs import send_signatory_mail

    with tenant_scope(letter.tenant_id):
        tokens.revoke(SIGN_LINK, signatory.id)
        raw = tokens.issue(SIGN_LINK, signatory.id)
        signatory.mail_queued_at = utcnow()
        signatory.mailed_at = None
        signatory.mail_failed_at = None
        db.session.flush()
        enqueue(send_signatory_mail, signatory.id, raw, tenant=letter.tenant_id)


def resend(letter: Letter, signatory: Signatory, *, actor) -> None:
    with tenant_scope(letter.tenant_id):
        queue_mail(letter, signatory)
        record("letter.signatory_mailed", actor=actor, target=letter, target_label=signatory.name)
        db.session.flush()


def signatories(letter: Letter) -> list[Signatory]:
    return list(
        db.session.scalars(
            select(Signatory)
            .where(Signatory.tenant_id == letter.tenant_id, Signatory.letter_id == letter.id)
            .order_by(Signatory.name, Signatory.id)
        )
    )


def resolve_link(raw: str) -> Signatory | None:
    """The signatory behind a personal link, in the tenant in scope; None otherwise."""
    token = tokens.resolve(SIGN_LINK, raw)
    if token is None:
        return None
    return db.session.get(Signatory, token.subject_id)
