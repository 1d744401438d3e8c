"""AVG (GDPR) for the events plugin: a member's sign-ups in the tenant, exported on request
and erased with them. Erasing a live sign-up cancels it first, so a seat it held goes to
the next on the waiting list; the row then keeps no name, address, company or answers.
Contacts invited to a follow-up meeting are let go of when they are removed."""

from __future__ import annotations

from sqlalchemy import or_, select

from kringwerk.plugin_api import db, delete_tokens, hookimpl, tenant_scope
from plugins.events.models import CANCEL_LINK, OFFER_CONFIRM, Event, Registration, RegistrationStatus
from plugins.events.services import local
from plugins.events.signup import cancel


def _mine(user):
    return or_(Registration.user_id == user.id, Registration.email == user.email.lower())


@hookimpl
def member_export(tenant, user):
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(Registration, Event.title, Event.starts_at)
            .join(Event, Event.id == Registration.event_id)
            .where(_mine(user))
            .order_by(Registration.id)
        ).all()
        if not rows:
            return None
        return {
            "registrations": [
                {
                    "event": title,
                    "starts_at": local(starts_at).isoformat(),
                    "status": registration.status.value,
                    "name": registration.name,
                    "email": registration.email,
                    "company": registration.company,
                    "answers": registration.answers or {},
                    "signed_up_at": registration.created_at.isoformat(),
                    "checked_in_at": registration.checked_in_at.isoformat()
                    if registration.checked_in_at
                    else None,
                }
                for registration, title, starts_at in rows
            ]
        }


@hookimpl
def member_erase(tenant, user):
    with tenant_scope(tenant):
        registrations = list(db.session.scalars(select(Registration).where(_mine(user))))
        for registration in registrations:
            if registration.status != RegistrationStatus.CANCELLED:
                cancel(registration)  # the seat passes on at once
        ids = [registration.id for registration in registrations]
        delete_tokens(CANCEL_LINK, ids)
        delete_tokens(OFFER_CONFIRM, ids)
        for registration in registrations:
            registration.user_id = None
            registration.person = None
            registration.name = ""
            registration.email = f"erased-{registration.id}@invalid"
            registration.company = None
            registration.via = None
            registration.answers = {}
        db.session.flush()


@hookimpl
def contact_removed(tenant, contact):
    with tenant_scope(tenant):
        for event in db.session.scalars(select(Event).where(Event.invited_contact_ids.is_not(None))):
            if contact.id in (event.invited_contact_ids or []):
                event.invited_contact_ids = [i for i in event.invited_contact_ids if i != contact.id]
        db.session.flush()
