"""The standing entrepreneurs' panel of a tenant: contact persons who opted in
to be asked for polls, and the one-click opt-out link every poll e-mail carries.

Leaving keeps the row (``left_at``) so the trail shows when; joining again
clears it. The opt-out token is signed (not stored): it names the tenant and
the contact person, and a token of another tenant never works here.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, select

from kringwerk.plugin_api import ContactPerson, current_tenant_id, db, record, utcnow
from plugins.polls.models import PanelMember

OPT_OUT_SALT = "polls-panel-opt-out"


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


def leave(contact: ContactPerson, *, actor=None) -> bool:
    """Take ``contact`` off the panel; False when it was not on it."""
    row = membership(contact)
    if row is None or row.left_at is not None:
        return False
    row.left_at = utcnow()
    db.session.flush()
    record("panel.left", actor=actor, target=contact, details={"contact_person_id": contact.id})
    return True


def active_panel() -> Select:
    """Active panel members with their contact person, by name."""
    return (
        select(PanelMember, ContactPerson)
        .join(ContactPerson, ContactPerson.id == PanelMember.contact_person_id)
        .where(PanelMember.left_at.is_(None))
        .order_by(ContactPerson.name, ContactPerson.id)
    )


def active_contact_ids(contact_ids) -> set[int]:
    """Which of ``contact_ids`` are active panel members (one query)."""
    contact_ids = list(contact_ids)
    if not contact_ids:
        return set()
    return set(
        db.session.scalars(
            select(PanelMember.contact_person_id).where(
                PanelMember.contact_person_id.in_(contact_ids), PanelMember.left_at.is_(None)
            )
        )
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)


def opt_out_token(contact: ContactPerson) -> str:
    return opt_out_token_for(contact.tenant_id, contact.id)


def opt_out_token_for(tenant_id: int, contact_person_id: int) -> str:
    """The signed opt-out token for a contact person of a tenant (no row needed)."""
    return _serializer().dumps([tenant_id, contact_person_id])


def contact_for_opt_out_token(token: str) -> ContactPerson | None:
    """The contact person a token names, in the tenant in scope; None for anything else."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in payload)
    ):
        return None
    tenant_id, contact_id = payload
    # The signature proves we made it; the tenant check keeps it to the tenant it was made for.
    if tenant_id != current_tenant_id():
        return None
    return db.session.get(ContactPerson, contact_id)
